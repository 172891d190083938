// Signal-quality flags per window and channel: non-finite samples, flat line, clipping.
#include <cmath>

#include "internal.hpp"

extern "C" wear_status wear_quality_compute(const float *x, ptrdiff_t x_stride, int32_t n_channels,
                                            int32_t n_samples, float flat_tol, wear_quality *out) {
    if (x == nullptr || out == nullptr) return WEAR_ERR_NULL;
    if (n_channels < 1 || n_samples < 1) return WEAR_ERR_SIZE;
    if (n_channels > 1 && x_stride < n_samples) return WEAR_ERR_SIZE;
    if (!(flat_tol >= 0.0f) || !std::isfinite(flat_tol)) return WEAR_ERR_ARG;
    const float inv_n = 1.0f / static_cast<float>(n_samples);
    for (int32_t c = 0; c < n_channels; ++c) {
        const float *xc = x + c * x_stride;
        int32_t nonfinite = 0, run = 0, longest = 0;
        float lo = INFINITY, hi = -INFINITY, prev = NAN;
        for (int32_t t = 0; t < n_samples; ++t) {
            const float v = xc[t];
            if (!std::isfinite(v)) {
                ++nonfinite;
                run = 0;
                prev = NAN;
                continue;
            }
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            run = (std::isfinite(prev) && std::fabs(v - prev) <= flat_tol) ? run + 1 : 1;
            longest = run > longest ? run : longest;
            prev = v;
        }
        int32_t at_lo = 0, at_hi = 0;
        if (hi > lo) {
            for (int32_t t = 0; t < n_samples; ++t) {
                at_lo += xc[t] == lo;
                at_hi += xc[t] == hi;
            }
        }
        const int32_t clipped = (at_lo > 1 ? at_lo - 1 : 0) + (at_hi > 1 ? at_hi - 1 : 0);
        out[c].nonfinite_fraction = nonfinite * inv_n;
        out[c].flat_fraction = longest * inv_n;
        out[c].clip_fraction = clipped * inv_n;
    }
    return WEAR_OK;
}
