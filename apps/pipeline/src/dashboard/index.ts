export { startDashboard, type Dashboard, type DashboardArgs } from './server';
export { startDashboardThread, type DashboardThread } from './thread';
export type { DashboardSnapshot, StageInfo, TrialRow } from './types';
