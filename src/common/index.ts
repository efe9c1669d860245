export type { Logger } from './logger';
export { silentLogger } from './logger';
export { createLogger } from './pinoLogger';
export { AppError, ErrorCode, isAppError } from './errors';
export { createMetrics, METRIC_PREFIX } from './metrics';
export type { Metrics } from './metrics';
export { isUniqueViolation } from './pgErrors';
