// Shape rules shared by the torch operators and the ExecuTorch kernels (one place for both faces).
//
// Every operator works on float32 signals shaped (..., samples): all leading dims are independent
// rows (batch x channels). Per-row state tensors have the signal's leading dims plus their own tail:
//   sosfilt    zi:   (..., n_sections, 2)            sos:  (n_sections, 6)
//   resample   zi:   (..., taps - 1)                 bank: (up, taps), see wear_dsp.h
//   quality    out:  (..., 3) = nonfinite, flat, clip fractions
#pragma once

#include <climits>
#include <cstdint>

#include "wear_dsp.h"

namespace wear {
namespace ops {

enum Norm : int64_t { kNone = 0, kZscore = 1, kRobust = 2 };

// Output samples of a resampling call on n_in inputs starting at phase 0. Static shapes need the
// chunk to end on phase 0 too, i.e. n_in * up divisible by down.
inline bool resample_len_ok(int64_t n_in, int64_t up, int64_t down) { return (n_in * up) % down == 0; }
inline int64_t resample_out_len(int64_t n_in, int64_t up, int64_t down) { return n_in * up / down; }

// The wear_preprocess configuration of a preprocess(x, sos, zi, bank, hist, up, down, norm, eps) call
// on `rows` rows, from the tensors' data: no filter when n_sections == 0, no resampler when up == down == 1.
inline wear_preprocess_config preprocess_config(const float *sos, int64_t n_sections, const float *bank,
                                                int64_t up, int64_t down, int64_t taps, int64_t rows, int64_t norm,
                                                double eps) {
    const bool resampling = !(up == 1 && down == 1);
    return {n_sections > 0 ? sos : nullptr,     static_cast<int32_t>(n_sections), resampling ? bank : nullptr,
            static_cast<int32_t>(up),           static_cast<int32_t>(down),       static_cast<int32_t>(taps),
            static_cast<int32_t>(rows),         static_cast<int32_t>(norm),       static_cast<float>(eps)};
}

}  // namespace ops
}  // namespace wear
