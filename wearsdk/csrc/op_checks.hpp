// Shape rules shared by the torch operators and the ExecuTorch kernels (one place for both faces).
//
// Every operator works on float32 signals shaped (..., samples): all leading dims are independent
// rows (batch x channels). Per-row state tensors have the signal's leading dims plus their own tail:
//   sosfilt    zi:   (..., n_sections, 2)            sos:  (n_sections, 6)
//   resample   zi:   (..., taps - 1)                 bank: (up, taps), see wear_dsp.h
//   quality    out:  (..., 3) = nonfinite, flat, clip fractions
#pragma once

#include <cstdint>

namespace wear {
namespace ops {

enum Norm : int64_t { kNone = 0, kZscore = 1, kRobust = 2 };

// Output samples of a resampling call on n_in inputs starting at phase 0. Static shapes need the
// chunk to end on phase 0 too, i.e. n_in * up divisible by down.
inline bool resample_len_ok(int64_t n_in, int64_t up, int64_t down) { return (n_in * up) % down == 0; }
inline int64_t resample_out_len(int64_t n_in, int64_t up, int64_t down) { return n_in * up / down; }

}  // namespace ops
}  // namespace wear
