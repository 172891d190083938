// Cascaded second-order sections, transposed direct form II, SIMD across channels.
//
// Per sample and section:  y = b0*x + z1;  z1 = b1*x - a1*y + z2;  z2 = b2*x - a2*y.
// This is the recursion of scipy.signal.sosfilt, so outputs match it to float32 rounding.
// Channels are gathered into lanes (kLanes at a time) so the serial recursion in time runs on
// kLanes channels per instruction, and all sections of one sample are in flight together.
#include <cmath>

#include "internal.hpp"

namespace wear {
namespace detail {
namespace {

template <int S>
void sos_lanes(const float *coeffs, vf *buf, int nb, vf (&z)[WEAR_SOS_MAX_SECTIONS][2]) {
    vf b0[S], b1[S], b2[S], a1[S], a2[S];
    for (int s = 0; s < S; ++s) {
        b0[s] = splat(coeffs[6 * s + 0]);
        b1[s] = splat(coeffs[6 * s + 1]);
        b2[s] = splat(coeffs[6 * s + 2]);
        a1[s] = splat(coeffs[6 * s + 4]);
        a2[s] = splat(coeffs[6 * s + 5]);
    }
    vf z1[S], z2[S];
    for (int s = 0; s < S; ++s) {
        z1[s] = z[s][0];
        z2[s] = z[s][1];
    }
    for (int t = 0; t < nb; ++t) {
        vf v = buf[t];
#pragma GCC unroll 16
        for (int s = 0; s < S; ++s) {
            vf y = b0[s] * v + z1[s];
            z1[s] = b1[s] * v - a1[s] * y + z2[s];
            z2[s] = b2[s] * v - a2[s] * y;
            v = y;
        }
        buf[t] = v;
    }
    for (int s = 0; s < S; ++s) {
        z[s][0] = z1[s];
        z[s][1] = z2[s];
    }
}

typedef void (*lanes_fn)(const float *, vf *, int, vf (&)[WEAR_SOS_MAX_SECTIONS][2]);

lanes_fn lanes_for(int32_t n_sections) {
    static constexpr lanes_fn table[WEAR_SOS_MAX_SECTIONS] = {
        &sos_lanes<1>,  &sos_lanes<2>,  &sos_lanes<3>,  &sos_lanes<4>,  &sos_lanes<5>,  &sos_lanes<6>,
        &sos_lanes<7>,  &sos_lanes<8>,  &sos_lanes<9>,  &sos_lanes<10>, &sos_lanes<11>, &sos_lanes<12>,
        &sos_lanes<13>, &sos_lanes<14>, &sos_lanes<15>, &sos_lanes<16>};
    return table[n_sections - 1];
}

}  // namespace

void sos_block(const float *coeffs, int32_t n_sections, float *state, int nrows, const float *const *in,
               float *const *out, int nb, RowStats *stats) {
    vf buf[kBlock];
    for (int t = 0; t < nb; ++t) {
        vf v = splat(0.0f);
        for (int l = 0; l < nrows; ++l) v[l] = in[l][t];
        buf[t] = v;
    }
    vf z[WEAR_SOS_MAX_SECTIONS][2];
    const int32_t cstride = n_sections * 2;
    for (int32_t s = 0; s < n_sections; ++s) {
        z[s][0] = splat(0.0f);
        z[s][1] = splat(0.0f);
        for (int l = 0; l < nrows; ++l) {
            z[s][0][l] = state[l * cstride + 2 * s];
            z[s][1][l] = state[l * cstride + 2 * s + 1];
        }
    }
    lanes_for(n_sections)(coeffs, buf, nb, z);
    for (int32_t s = 0; s < n_sections; ++s) {
        for (int l = 0; l < nrows; ++l) {
            state[l * cstride + 2 * s] = z[s][0][l];
            state[l * cstride + 2 * s + 1] = z[s][1][l];
        }
    }
    for (int l = 0; l < nrows; ++l) {
        float *o = out[l];
        for (int t = 0; t < nb; ++t) o[t] = buf[t][l];
    }
    if (stats != nullptr && nb > 0) {
        if (!stats->started) {
            for (int l = 0; l < kLanes; ++l) stats->shift[l] = buf[0][l];
            stats->started = true;
        }
        vf shift;
        for (int l = 0; l < kLanes; ++l) shift[l] = stats->shift[l];
        // Block partial sums in float (<= kBlock terms), folded into double once per block.
        vf s1 = splat(0.0f), s2 = splat(0.0f);
        for (int t = 0; t < nb; ++t) {
            vf d = buf[t] - shift;
            s1 += d;
            s2 += d * d;
        }
        for (int l = 0; l < kLanes; ++l) {
            stats->sum[l] += s1[l];
            stats->sumsq[l] += s2[l];
        }
    }
}

}  // namespace detail
}  // namespace wear

using namespace wear::detail;

extern "C" {

size_t wear_sos_state_len(int32_t n_sections, int32_t n_channels) {
    if (n_sections < 1 || n_sections > WEAR_SOS_MAX_SECTIONS || n_channels < 1) return 0;
    return static_cast<size_t>(n_channels) * static_cast<size_t>(n_sections) * 2u;
}

wear_status wear_sos_init(wear_sos *f, const float *coeffs, int32_t n_sections, int32_t n_channels,
                          float *state, size_t state_len) {
    if (f == nullptr || coeffs == nullptr || state == nullptr) return WEAR_ERR_NULL;
    if (n_sections < 1 || n_sections > WEAR_SOS_MAX_SECTIONS || n_channels < 1) return WEAR_ERR_ARG;
    if (state_len < wear_sos_state_len(n_sections, n_channels)) return WEAR_ERR_SIZE;
    for (int32_t s = 0; s < n_sections; ++s) {
        for (int k = 0; k < 6; ++k) {
            if (!std::isfinite(coeffs[6 * s + k])) return WEAR_ERR_ARG;
        }
        if (std::fabs(coeffs[6 * s + 3] - 1.0f) > 1e-6f) return WEAR_ERR_ARG;
    }
    f->coeffs = coeffs;
    f->state = state;
    f->n_sections = n_sections;
    f->n_channels = n_channels;
    f->magic = kMagicSos;
    std::memset(state, 0, wear_sos_state_len(n_sections, n_channels) * sizeof(float));
    return WEAR_OK;
}

wear_status wear_sos_reset(wear_sos *f) {
    if (f == nullptr) return WEAR_ERR_NULL;
    if (f->magic != kMagicSos) return WEAR_ERR_NOT_INIT;
    std::memset(f->state, 0, wear_sos_state_len(f->n_sections, f->n_channels) * sizeof(float));
    return WEAR_OK;
}

wear_status wear_sos_process(wear_sos *f, const float *x, ptrdiff_t x_stride, float *y, ptrdiff_t y_stride,
                             int32_t n_samples) {
    if (f == nullptr || x == nullptr || y == nullptr) return WEAR_ERR_NULL;
    if (f->magic != kMagicSos) return WEAR_ERR_NOT_INIT;
    if (n_samples < 0) return WEAR_ERR_SIZE;
    if (f->n_channels > 1 && (x_stride < n_samples || y_stride < n_samples)) return WEAR_ERR_SIZE;
    if (x != y && overlaps(x, span_len(x_stride, f->n_channels, n_samples), y,
                           span_len(y_stride, f->n_channels, n_samples)))
        return WEAR_ERR_ALIAS;
    const int32_t cstride = f->n_sections * 2;
    for (int32_t c0 = 0; c0 < f->n_channels; c0 += kLanes) {
        const int nrows = f->n_channels - c0 < kLanes ? f->n_channels - c0 : kLanes;
        const float *in[kLanes];
        float *out[kLanes];
        for (int32_t t0 = 0; t0 < n_samples; t0 += kBlock) {
            const int nb = n_samples - t0 < kBlock ? n_samples - t0 : kBlock;
            for (int l = 0; l < nrows; ++l) {
                in[l] = x + (c0 + l) * x_stride + t0;
                out[l] = y + (c0 + l) * y_stride + t0;
            }
            sos_block(f->coeffs, f->n_sections, f->state + c0 * cstride, nrows, in, out, nb, nullptr);
        }
    }
    return WEAR_OK;
}

}  // extern "C"
