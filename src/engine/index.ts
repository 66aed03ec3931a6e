export * from './canonical.ts';
export * from './context.ts';
export * from './planOneWay.ts';
export * from './result.ts';
export * from './runAll.ts';
export * from './runOneWay.ts';
export * from './safetyValve.ts';
