export { dashboardRoutes } from './api.ts';
export { loadRunChanges, type RunChangesData } from './changes.ts';
export { dashboardPage, dashboardPageHeaders } from './page.ts';
export {
  loadDashboard,
  type DashboardData,
  type DashboardArrival,
  type DashboardDataset,
  type DashboardDeps,
  type DashboardRun,
  type HourBucket,
  type LastRun,
  type LogEntry,
  type ConflictEntry,
  type RunProgress,
  type RunRecordLike,
  type RunRegistryLike,
  type WindowStats,
} from './data.ts';
