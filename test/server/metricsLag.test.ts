/**
 * /metrics' change-lag histogram and arrival gauge (issue 15, point 5): fed by the freshness
 * registry's onLag hook, rendered in the Prometheus text format.
 */
import { describe, expect, it } from 'vitest';
import { Freshness } from '../../src/scheduler/freshness.ts';
import { LAG_BUCKETS, Metrics } from '../../src/server/metrics.ts';

const snapshot = { inProgress: 0, providers: {} };

/** The samples of one metric family, as `name{labels} value` lines. */
const samples = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('change lag metrics', () => {
  it('a histogram per dataset and source: cumulative buckets, +Inf, sum and count', () => {
    const m = new Metrics();
    m.observeLag('meetings', 'postgres', 2_500);
    m.observeLag('meetings', 'postgres', 12_000);
    m.observeLag('books', 'notion', 31_000);
    const text = m.render(snapshot);
    expect(text).toContain('# TYPE jarvis_sync_change_lag_seconds histogram');
    const meetings = samples(text, 'jarvis_sync_change_lag_seconds_bucket').filter((l) => l.includes('dataset="meetings"'));
    expect(meetings).toHaveLength(LAG_BUCKETS.length + 1);
    const bucket = (le: string) => meetings.find((l) => l.includes(`le="${le}"`))!.split(' ')[1];
    expect([bucket('1'), bucket('2.5'), bucket('5'), bucket('10'), bucket('15'), bucket('3600'), bucket('+Inf')]).toEqual(['0', '1', '1', '1', '2', '2', '2']);
    expect(samples(text, 'jarvis_sync_change_lag_seconds_sum')).toEqual([
      'jarvis_sync_change_lag_seconds_sum{dataset="books",source="notion"} 31',
      'jarvis_sync_change_lag_seconds_sum{dataset="meetings",source="postgres"} 14.5',
    ]);
    expect(samples(text, 'jarvis_sync_change_lag_seconds_count')).toEqual([
      'jarvis_sync_change_lag_seconds_count{dataset="books",source="notion"} 1',
      'jarvis_sync_change_lag_seconds_count{dataset="meetings",source="postgres"} 2',
    ]);
    const books = samples(text, 'jarvis_sync_change_lag_seconds_bucket').filter((l) => l.includes('dataset="books"'));
    expect(books.filter((l) => l.endsWith(' 1')).map((l) => /le="([^"]+)"/.exec(l)![1])[0]).toBe('40');
  });

  it('no lag yet: the families are declared, with no samples', () => {
    const text = new Metrics().render(snapshot);
    expect(text).toContain('# HELP jarvis_sync_change_lag_seconds ');
    expect(text).toContain('# TYPE jarvis_sync_change_arrival gauge');
    expect(samples(text, 'jarvis_sync_change_lag_seconds_bucket')).toEqual([]);
    expect(samples(text, 'jarvis_sync_change_arrival')).toEqual([]);
  });

  it('watchFreshness: fed by the onLag hook from then on, shows each arrival mode and last lag, and stops when unsubscribed', () => {
    const m = new Metrics();
    const f = new Freshness();
    f.set('books', 'notion', 'polling', 30);
    f.set('meetings', 'notion', 'webhook', 300);
    f.set('meetings', 'postgres', 'listen', 60);
    f.recordLag('books', 'notion', 0, 20_000); // before watching: not in the histogram
    const off = m.watchFreshness(f);
    f.recordLag('meetings', 'postgres', 1_000, 4_000);
    f.recordLag('meetings', 'postgres', 1_000, 3_000);
    let text = m.render(snapshot);
    expect(samples(text, 'jarvis_sync_change_lag_seconds_count')).toEqual(['jarvis_sync_change_lag_seconds_count{dataset="meetings",source="postgres"} 2']);
    expect(samples(text, 'jarvis_sync_change_lag_seconds_sum')).toEqual(['jarvis_sync_change_lag_seconds_sum{dataset="meetings",source="postgres"} 5']);
    expect(samples(text, 'jarvis_sync_change_arrival')).toEqual([
      'jarvis_sync_change_arrival{dataset="books",source="notion",arrival="polling"} 1',
      'jarvis_sync_change_arrival{dataset="meetings",source="notion",arrival="webhook"} 1',
      'jarvis_sync_change_arrival{dataset="meetings",source="postgres",arrival="listen"} 1',
    ]);
    expect(samples(text, 'jarvis_sync_change_last_lag_seconds')).toEqual([
      'jarvis_sync_change_last_lag_seconds{dataset="books",source="notion"} 20',
      'jarvis_sync_change_last_lag_seconds{dataset="meetings",source="postgres"} 2',
    ]);
    off();
    f.recordLag('meetings', 'postgres', 0, 9_000);
    text = m.render(snapshot);
    expect(samples(text, 'jarvis_sync_change_lag_seconds_count')).toEqual(['jarvis_sync_change_lag_seconds_count{dataset="meetings",source="postgres"} 2']);
    expect(samples(text, 'jarvis_sync_change_arrival')).toEqual([]);
  });
});
