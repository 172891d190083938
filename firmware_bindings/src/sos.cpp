// Cascaded second-order sections, transposed direct form II, SIMD across channels.
//
// Per sample and section:  y = b0*x + z1;  z1 = b1*x - a1*y + z2;  z2 = b2*x - a2*y.
// This is the recursion of scipy.signal.sosfilt, so outputs match it to float32 rounding.
// Channels are gathered into lanes (kLanes at a time) so the serial recursion in time runs on
// kLanes channels per instruction, and all sections of one sample are in flight together.
#include <cmath>

#include "internal.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace wear {
namespace detail {
namespace {

template <int S>
void sos_lanes(const float *coeffs, vf *buf, int nb, vs (&z)[WEAR_SOS_MAX_SECTIONS][2]) {
    vs b0[S], b1[S], b2[S], a1[S], a2[S];
    for (int s = 0; s < S; ++s) {
        b0[s] = splat_state(coeffs[6 * s + 0]);
        b1[s] = splat_state(coeffs[6 * s + 1]);
        b2[s] = splat_state(coeffs[6 * s + 2]);
        a1[s] = splat_state(coeffs[6 * s + 4]);
        a2[s] = splat_state(coeffs[6 * s + 5]);
    }
    vs z1[S], z2[S];
    for (int s = 0; s < S; ++s) {
        z1[s] = z[s][0];
        z2[s] = z[s][1];
    }
    for (int t = 0; t < nb; ++t) {
        vs v = __builtin_convertvector(buf[t], vs);
#pragma GCC unroll 16
        for (int s = 0; s < S; ++s) {
            vs y = b0[s] * v + z1[s];
            z1[s] = b1[s] * v - a1[s] * y + z2[s];
            z2[s] = b2[s] * v - a2[s] * y;
            v = y;
        }
        buf[t] = __builtin_convertvector(v, vf);
    }
    for (int s = 0; s < S; ++s) {
        z[s][0] = z1[s];
        z[s][1] = z2[s];
    }
}

#if defined(__AVX__)
// In-register 8x8 transpose: r[i] holds 8 samples of row i on entry, 8 rows of sample i on exit.
inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}
constexpr bool kFastTranspose = kLanes == 8;
#endif

// Rows -> lanes: buf[t][l] = in[l][t] for t < nb (lanes >= nrows are zero).
inline void gather(const float *const *in, int nrows, int nb, vf *buf) {
    int t0 = 0;
#if defined(__AVX__)
    if (kFastTranspose && nrows == kLanes) {
        for (; t0 + 8 <= nb; t0 += 8) {
            __m256 r[8];
            for (int l = 0; l < 8; ++l) r[l] = _mm256_loadu_ps(in[l] + t0);
            transpose8(r);
            for (int i = 0; i < 8; ++i) std::memcpy(&buf[t0 + i], &r[i], sizeof(vf));
        }
    }
#endif
    float *tile = reinterpret_cast<float *>(buf);
    for (int l = 0; l < nrows; ++l) {
        for (int t = t0; t < nb; ++t) tile[t * kLanes + l] = in[l][t];
    }
    for (int l = nrows; l < kLanes; ++l) {
        for (int t = t0; t < nb; ++t) tile[t * kLanes + l] = 0.0f;
    }
}

// Lanes -> rows: out[l][t] = buf[t][l] for l < nrows, t < nb.
inline void scatter(const vf *buf, int nrows, int nb, float *const *out) {
    int t0 = 0;
#if defined(__AVX__)
    if (kFastTranspose && nrows == kLanes) {
        for (; t0 + 8 <= nb; t0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; ++i) std::memcpy(&r[i], &buf[t0 + i], sizeof(vf));
            transpose8(r);
            for (int l = 0; l < 8; ++l) _mm256_storeu_ps(out[l] + t0, r[l]);
        }
    }
#endif
    const float *tile = reinterpret_cast<const float *>(buf);
    for (int l = 0; l < nrows; ++l) {
        for (int t = t0; t < nb; ++t) out[l][t] = tile[t * kLanes + l];
    }
}

typedef void (*lanes_fn)(const float *, vf *, int, vs (&)[WEAR_SOS_MAX_SECTIONS][2]);

// Any number of sections with runtime loops: what scalar (kLanes == 1) targets use, where unrolled
// copies per section count would only cost flash. Same arithmetic, same order.
void sos_lanes_any(const float *coeffs, int32_t n_sections, vf *buf, int nb, vs (&z)[WEAR_SOS_MAX_SECTIONS][2]) {
    for (int t = 0; t < nb; ++t) {
        vs v = __builtin_convertvector(buf[t], vs);
        for (int32_t s = 0; s < n_sections; ++s) {
            const float *c = coeffs + 6 * s;
            vs y = splat_state(c[0]) * v + z[s][0];
            z[s][0] = splat_state(c[1]) * v - splat_state(c[4]) * y + z[s][1];
            z[s][1] = splat_state(c[2]) * v - splat_state(c[5]) * y;
            v = y;
        }
        buf[t] = __builtin_convertvector(v, vf);
    }
}

void run_lanes(const float *coeffs, int32_t n_sections, vf *buf, int nb, vs (&z)[WEAR_SOS_MAX_SECTIONS][2]) {
    if (kLanes == 1) return sos_lanes_any(coeffs, n_sections, buf, nb, z);
    static constexpr lanes_fn table[WEAR_SOS_MAX_SECTIONS] = {
        &sos_lanes<1>,  &sos_lanes<2>,  &sos_lanes<3>,  &sos_lanes<4>,  &sos_lanes<5>,  &sos_lanes<6>,
        &sos_lanes<7>,  &sos_lanes<8>,  &sos_lanes<9>,  &sos_lanes<10>, &sos_lanes<11>, &sos_lanes<12>,
        &sos_lanes<13>, &sos_lanes<14>, &sos_lanes<15>, &sos_lanes<16>};
    table[n_sections - 1](coeffs, buf, nb, z);
}

}  // namespace

void sos_block(const float *coeffs, int32_t n_sections, wear_sos_state_t *state, int nrows, const float *const *in,
               float *const *out, int nb, RowStats *stats) {
    vf buf[kBlock];
    gather(in, nrows, nb, buf);
    vs z[WEAR_SOS_MAX_SECTIONS][2];
    const int32_t cstride = n_sections * 2;
    for (int32_t s = 0; s < n_sections; ++s) {
        wear_sos_state_t z1[kLanes] = {}, z2[kLanes] = {};
        for (int l = 0; l < nrows; ++l) {
            z1[l] = state[l * cstride + 2 * s];
            z2[l] = state[l * cstride + 2 * s + 1];
        }
        std::memcpy(&z[s][0], z1, sizeof(vs));
        std::memcpy(&z[s][1], z2, sizeof(vs));
    }
    run_lanes(coeffs, n_sections, buf, nb, z);
    for (int32_t s = 0; s < n_sections; ++s) {
        wear_sos_state_t z1[kLanes], z2[kLanes];
        std::memcpy(z1, &z[s][0], sizeof(vs));
        std::memcpy(z2, &z[s][1], sizeof(vs));
        for (int l = 0; l < nrows; ++l) {
            state[l * cstride + 2 * s] = z1[l];
            state[l * cstride + 2 * s + 1] = z2[l];
        }
    }
    scatter(buf, nrows, nb, out);
    if (stats != nullptr && nb > 0) {
        if (!stats->started) {
            std::memcpy(stats->shift, &buf[0], sizeof(vf));
            stats->started = true;
        }
        vf shift;
        std::memcpy(&shift, stats->shift, sizeof(vf));
        // Block partial sums in float (<= kBlock terms), folded into double once per block.
        vf s1 = splat(0.0f), s2 = splat(0.0f);
        for (int t = 0; t < nb; ++t) {
            vf d = buf[t] - shift;
            s1 += d;
            s2 += d * d;
        }
        float p1[kLanes], p2[kLanes];
        std::memcpy(p1, &s1, sizeof(vf));
        std::memcpy(p2, &s2, sizeof(vf));
        for (int l = 0; l < kLanes; ++l) {
            stats->sum[l] += p1[l];
            stats->sumsq[l] += p2[l];
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
                          wear_sos_state_t *state, size_t state_len) {
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
    std::memset(state, 0, wear_sos_state_len(n_sections, n_channels) * sizeof(wear_sos_state_t));
    return WEAR_OK;
}

wear_status wear_sos_reset(wear_sos *f) {
    if (f == nullptr) return WEAR_ERR_NULL;
    if (f->magic != kMagicSos) return WEAR_ERR_NOT_INIT;
    std::memset(f->state, 0, wear_sos_state_len(f->n_sections, f->n_channels) * sizeof(wear_sos_state_t));
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
