/**
 * A realistic sample workspace (books and Kindle highlights) for the demo, tests and benchmarks.
 * Ids are derived from names, so the same workspace is generated every time: re-running the demo
 * against the same database finds everything already in sync.
 */
import { createHash } from 'node:crypto';

export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`jarvis-sync:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const BOOKS: Array<[string, string, string, number | null, string[]]> = [
  ['Dune', 'Frank Herbert', 'Finished', 5, ['Fiction', 'Sci-Fi']],
  ['Thinking, Fast and Slow', 'Daniel Kahneman', 'Finished', 4, ['Psychology']],
  ['The Pragmatic Programmer', 'Andrew Hunt, David Thomas', 'Reading', null, ['Software']],
  ['Designing Data-Intensive Applications', 'Martin Kleppmann', 'Finished', 5, ['Software', 'Databases']],
  ['Sapiens', 'Yuval Noah Harari', 'Finished', 4, ['History']],
  ['The Left Hand of Darkness', 'Ursula K. Le Guin', 'To Read', null, ['Fiction', 'Sci-Fi']],
  ['Deep Work', 'Cal Newport', 'Finished', 3, ['Productivity']],
  ['Gödel, Escher, Bach', 'Douglas Hofstadter', 'Reading', null, ['Mathematics', 'Philosophy']],
  ['The Name of the Rose', 'Umberto Eco', 'Finished', 4, ['Fiction', 'History']],
  ['Atomic Habits', 'James Clear', 'Finished', 3, ['Productivity']],
  ['A Philosophy of Software Design', 'John Ousterhout', 'Finished', 5, ['Software']],
  ['Piranesi', 'Susanna Clarke', 'Finished', 5, ['Fiction']],
  ['The Three-Body Problem', 'Liu Cixin', 'Reading', null, ['Fiction', 'Sci-Fi']],
  ['Meditations', 'Marcus Aurelius', 'Finished', 4, ['Philosophy']],
  ['Klara and the Sun', 'Kazuo Ishiguro', 'To Read', null, ['Fiction']],
  ['الخيميائي (The Alchemist)', 'Paulo Coelho', 'Finished', 3, ['Fiction']],
];

const PHRASES = [
  'Fear is the mind-killer.',
  'The map is not the territory.',
  'Premature optimization is the root of all evil — or so they say. 🙂',
  'Complexity is anything related to the structure of a software system that makes it hard to understand and modify.',
  'We are what we repeatedly do.',
  'The beauty of the house is immeasurable; its kindness infinite.',
  'Attention is the currency of deep work.',
  'A log is perhaps the simplest possible storage abstraction.',
];

export interface SampleOptions {
  books?: number;
  highlightsPerBook?: number;
  /** The first book gets this many highlights, to exercise relations past Notion's 25-item truncation. */
  firstBookHighlights?: number;
}

/** The seed (emulators/notion SeedFile shape) of a books + highlights workspace. */
export function sampleNotionWorkspace(opts: SampleOptions = {}) {
  const bookCount = opts.books ?? BOOKS.length;
  const perBook = opts.highlightsPerBook ?? 6;
  const ids = {
    booksDatabase: stableUuid('db:books'),
    booksDataSource: stableUuid('ds:books'),
    highlightsDatabase: stableUuid('db:highlights'),
    highlightsDataSource: stableUuid('ds:highlights'),
  };
  const bookPages = Array.from({ length: bookCount }, (_, i) => {
    const [title, author, status, rating, tags] = BOOKS[i % BOOKS.length]!;
    const n = Math.floor(i / BOOKS.length);
    return {
      id: stableUuid(`book:${i}`),
      created_time: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
      properties: {
        Title: { title: [{ text: { content: n ? `${title} (vol. ${n + 1})` : title } }] },
        Author: { rich_text: [{ text: { content: author } }] },
        Status: { select: { name: status } },
        Rating: { number: rating },
        Finished: { date: status === 'Finished' ? { start: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}` } : null },
        URL: { url: `https://openlibrary.org/search?q=${encodeURIComponent(title)}` },
        Tags: { multi_select: tags.map((name) => ({ name })) },
      },
    };
  });
  const highlightPages = bookPages.flatMap((book, b) => {
    const count = b === 0 ? (opts.firstBookHighlights ?? 40) : perBook;
    return Array.from({ length: count }, (_, h) => ({
      id: stableUuid(`highlight:${b}:${h}`),
      created_time: new Date(Date.UTC(2026, 1, 1) + (b * 100 + h) * 60_000).toISOString(),
      properties: {
        Text: { title: [{ text: { content: PHRASES[(b + h) % PHRASES.length]! } }] },
        Book: { relation: [{ id: book.id }] },
        Location: { rich_text: [{ text: { content: `Location ${100 + h * 17}` } }] },
        Note: { rich_text: h % 3 === 0 ? [{ text: { content: 'Worth re-reading.' } }] : [] },
        Highlighted: { date: { start: new Date(Date.UTC(2025, 5, 1, 8, 30) + (b * 50 + h) * 86_400_000).toISOString() } },
      },
    }));
  });
  return {
    ids,
    seed: {
      databases: [
        {
          id: ids.booksDatabase,
          dataSourceId: ids.booksDataSource,
          title: 'Books',
          properties: {
            Title: { type: 'title' },
            Author: { type: 'rich_text' },
            Status: { type: 'select', select: { options: [{ name: 'To Read' }, { name: 'Reading' }, { name: 'Finished' }] } },
            Rating: { type: 'number', number: { format: 'number' } },
            Finished: { type: 'date' },
            URL: { type: 'url' },
            Tags: { type: 'multi_select', multi_select: { options: [] } },
          },
          pages: bookPages,
        },
        {
          id: ids.highlightsDatabase,
          dataSourceId: ids.highlightsDataSource,
          title: 'Highlights',
          properties: {
            Text: { type: 'title' },
            Book: { type: 'relation', relation: { data_source_id: ids.booksDataSource } },
            Location: { type: 'rich_text' },
            Note: { type: 'rich_text' },
            Highlighted: { type: 'date' },
          },
          pages: highlightPages,
        },
      ],
    },
  };
}
