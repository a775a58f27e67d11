"""Writes data-task.npz, the small data set of data-task.json (run: python3 make_data_task.py).

inputs  (32, 30, 2): two noisy input channels
targets (32, 30, 1): a leaky integrator of channel 0 minus channel 1, squashed:
                     s_t = 0.8 s_{t-1} + 0.5 (x0_t - x1_t),  y_t = tanh(s_t)
Saved compressed (deflate members), as np.savez_compressed does.
"""
import numpy as np

rng = np.random.default_rng(15)
B, T = 32, 30
x = rng.standard_normal((B, T, 2)) * 0.8
s = np.zeros(B)
y = np.zeros((B, T, 1))
for t in range(T):
    s = 0.8 * s + 0.5 * (x[:, t, 0] - x[:, t, 1])
    y[:, t, 0] = np.tanh(s)
np.savez_compressed('data-task.npz', inputs=x, targets=y)
