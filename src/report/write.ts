/** Atomic file writes for reports (shared implementation in util/atomic-write.ts). */
export { writeFileAtomic } from '../util/atomic-write.js';
