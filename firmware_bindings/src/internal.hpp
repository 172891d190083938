// Internal helpers of the wearsdk DSP core (not part of the C API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "wear_dsp.h"

#if !defined(__GNUC__)
#error "wear_dsp needs GCC or Clang (vector extensions)"
#endif

// Channels processed together, one per SIMD lane. 8 fills an AVX2 register; firmware builds for a
// scalar core (Cortex-M4F) set WEAR_LANES=1 to keep the state in scalar registers.
#ifndef WEAR_LANES
#define WEAR_LANES 8
#endif
// Samples per block: a block of WEAR_LANES channels lives in a stack buffer of LANES*BLOCK floats.
#ifndef WEAR_BLOCK
#define WEAR_BLOCK 128
#endif

namespace wear {
namespace detail {

constexpr int kLanes = WEAR_LANES;
constexpr int kBlock = WEAR_BLOCK;

typedef float vf __attribute__((vector_size(kLanes * sizeof(float))));
typedef wear_sos_state_t vs __attribute__((vector_size(kLanes * sizeof(wear_sos_state_t))));

constexpr uint32_t kMagicSos = 0x534f5331u;        // "SOS1"
constexpr uint32_t kMagicResampler = 0x52534d31u;  // "RSM1"
constexpr uint32_t kMagicPreprocess = 0x50525031u; // "PRP1"

inline vf splat(float v) {
    vf r;
    for (int l = 0; l < kLanes; ++l) r[l] = v;
    return r;
}

inline vs splat_state(wear_sos_state_t v) {
    vs r;
    for (int l = 0; l < kLanes; ++l) r[l] = v;
    return r;
}

// Floats spanned by n_channels planar rows of n samples at the given stride.
inline size_t span_len(ptrdiff_t stride, int32_t n_channels, int32_t n) {
    return static_cast<size_t>(stride) * static_cast<size_t>(n_channels - 1) + static_cast<size_t>(n);
}

inline bool overlaps(const float *a, size_t a_len, const float *b, size_t b_len) {
    return a < b + b_len && b < a + a_len;
}

// Per-row running sums for a one-pass mean/variance, shifted by the row's first sample so that a
// large DC offset does not cancel catastrophically.
struct RowStats {
    double sum[kLanes];
    double sumsq[kLanes];
    float shift[kLanes];
    bool started;
};

// Filters samples [0, nb) of up to kLanes rows, in -> out (out may alias in), carrying state.
// state points at channel c0's (z1, z2) pairs; channel stride is n_sections * 2.
// If stats is non-null, the filtered samples are accumulated into it.
void sos_block(const float *coeffs, int32_t n_sections, wear_sos_state_t *state, int nrows, const float *const *in,
               float *const *out, int nb, RowStats *stats);

// Resamples nb samples of nrows rows (starting at channel c0) with r's bank and history, starting at
// the given offset; writes the outputs at out[row] and returns the new offset. Caller checks capacity.
int32_t resample_rows(const wear_resampler *r, int32_t c0, int nrows, const float *const *in, int32_t nb,
                      float *const *out, int32_t offset, int32_t *n_written);

// y = (y - center) / max(scale, eps), in place, keeping precision under a large centre.
void scale_row(float *y, int32_t n, double center, double scale, float eps);

// Mean and population std of n samples (double accumulation, shifted by x[0]).
void zscore_center_scale(const float *x, int32_t n, double *center, double *scale);

// Robust centre/scale (median, IQR/1.3489795) of n samples; scratch holds n floats.
void robust_center_scale(const float *x, int32_t n, float *scratch, double *center, double *scale);

}  // namespace detail
}  // namespace wear
