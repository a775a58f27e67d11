/** Training tasks: a student model, optional teacher, a batch and the trainable mask. */
import type { Model } from '../../models/types.js';
import type { Batch, LossTarget } from '../batch.js';

/** A seeded, deterministic training task. */
export interface Task extends Batch {
  readonly name: string;
  /** The model to train (its own parameter buffer). */
  readonly student: Model;
  /** The teacher that generated the targets, when there is one. */
  readonly teacher?: Model;
  /** Loss on readout outputs or hidden states. */
  readonly target: LossTarget;
  /** 1 = trainable, over the student's flat parameters (cell then readout). */
  readonly trainable: Uint8Array;
  /** Held-out trials (the data task's validation split), not trained on; null or absent: none. */
  readonly validation?: Batch | null;
  /** The batch of step `s` for minibatch tasks (deterministic in seed and step); absent: the fixed batch every step. */
  batchAt?(step: number): Batch;
}
