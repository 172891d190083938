// Rational polyphase resampling by up/down, causal, with carried history and phase.
//
// With h the anti-aliasing FIR at the up-sampled rate (zero-extended to up * taps), output j is
//   y[j] = sum_k h[p + k*up] * x[i - k],   t = offset + j*down,  i = t / up,  p = t % up,
// i.e. up-sample by zero insertion, filter with h, keep every down-th sample (scipy's upfirdn).
// The bank stores each phase reversed, so every output is one contiguous dot product.
#include "internal.hpp"

namespace wear {
namespace detail {
namespace {

inline float dot(const float *a, const float *b, int32_t n) {
    vf acc = splat(0.0f);
    int32_t m = 0;
    for (; m + kLanes <= n; m += kLanes) {
        vf va, vb;
        std::memcpy(&va, a + m, sizeof(vf));
        std::memcpy(&vb, b + m, sizeof(vf));
        acc += va * vb;
    }
    float s = 0.0f;
    for (; m < n; ++m) s += a[m] * b[m];
    for (int l = 0; l < kLanes; ++l) s += acc[l];
    return s;
}

}  // namespace

int32_t resample_rows(const wear_resampler *r, int32_t c0, int nrows, const float *const *in, int32_t nb,
                      float *const *out, int32_t offset, int32_t *n_written) {
    const int32_t up = r->up, down = r->down, taps = r->taps, hist_len = taps - 1;
    const int64_t end = static_cast<int64_t>(nb) * up;
    int32_t count = 0;
    int64_t t = offset;
    for (; t < end; t += down) ++count;
    const int32_t new_offset = static_cast<int32_t>(t - end);
    // join = [history, first hist_len inputs]: outputs that reach back before this block read it.
    float join[2 * WEAR_RESAMPLE_MAX_TAPS];
    for (int l = 0; l < nrows; ++l) {
        float *hist = r->history + static_cast<ptrdiff_t>(c0 + l) * hist_len;
        const float *x = in[l];
        float *y = out[l];
        const int32_t head = nb < hist_len ? nb : hist_len;
        if (hist_len > 0) {  // (taps == 1 has no history, and its buffer may be NULL)
            std::memcpy(join, hist, sizeof(float) * hist_len);
            std::memcpy(join + hist_len, x, sizeof(float) * head);
        }
        int64_t tj = offset;
        for (int32_t j = 0; j < count; ++j, tj += down) {
            const int32_t i = static_cast<int32_t>(tj / up);
            const float *coef = r->bank + static_cast<ptrdiff_t>(tj % up) * taps;
            // window of inputs x[i - taps + 1 .. i]
            y[j] = i >= hist_len ? dot(coef, x + (i - hist_len), taps) : dot(coef, join + i, taps);
        }
        // keep the last hist_len inputs (oldest first)
        if (hist_len == 0) {
            continue;
        } else if (nb >= hist_len) {
            std::memcpy(hist, x + (nb - hist_len), sizeof(float) * hist_len);
        } else {
            std::memcpy(hist, join + nb, sizeof(float) * hist_len);
        }
    }
    *n_written = count;
    return new_offset;
}

}  // namespace detail
}  // namespace wear

using namespace wear::detail;

extern "C" {

size_t wear_resampler_state_len(int32_t taps, int32_t n_channels) {
    if (taps < 1 || taps > WEAR_RESAMPLE_MAX_TAPS || n_channels < 1) return 0;
    return static_cast<size_t>(n_channels) * static_cast<size_t>(taps - 1);
}

wear_status wear_resampler_init(wear_resampler *r, const float *bank, int32_t up, int32_t down, int32_t taps,
                                int32_t n_channels, float *history, size_t history_len) {
    if (r == nullptr || bank == nullptr) return WEAR_ERR_NULL;
    if (up < 1 || down < 1 || taps < 1 || taps > WEAR_RESAMPLE_MAX_TAPS || n_channels < 1) return WEAR_ERR_ARG;
    const size_t need = wear_resampler_state_len(taps, n_channels);
    if (need > 0 && history == nullptr) return WEAR_ERR_NULL;
    if (history_len < need) return WEAR_ERR_SIZE;
    r->bank = bank;
    r->history = history;
    r->up = up;
    r->down = down;
    r->taps = taps;
    r->n_channels = n_channels;
    r->offset = 0;
    r->magic = kMagicResampler;
    if (need > 0) std::memset(history, 0, need * sizeof(float));
    return WEAR_OK;
}

wear_status wear_resampler_reset(wear_resampler *r) {
    if (r == nullptr) return WEAR_ERR_NULL;
    if (r->magic != kMagicResampler) return WEAR_ERR_NOT_INIT;
    r->offset = 0;
    const size_t need = wear_resampler_state_len(r->taps, r->n_channels);
    if (need > 0) std::memset(r->history, 0, need * sizeof(float));
    return WEAR_OK;
}

int32_t wear_resampler_out_len(const wear_resampler *r, int32_t n_in) {
    if (r == nullptr || r->magic != kMagicResampler || n_in <= 0) return 0;
    const int64_t end = static_cast<int64_t>(n_in) * r->up;
    if (r->offset >= end) return 0;
    return static_cast<int32_t>((end - r->offset + r->down - 1) / r->down);
}

wear_status wear_resampler_process(wear_resampler *r, const float *x, ptrdiff_t x_stride, int32_t n_in, float *y,
                                   ptrdiff_t y_stride, int32_t y_capacity, int32_t *n_out) {
    if (r == nullptr || x == nullptr || y == nullptr || n_out == nullptr) return WEAR_ERR_NULL;
    if (r->magic != kMagicResampler) return WEAR_ERR_NOT_INIT;
    if (n_in < 0) return WEAR_ERR_SIZE;
    const int32_t count = wear_resampler_out_len(r, n_in);
    if (count > y_capacity) return WEAR_ERR_SIZE;
    if (r->n_channels > 1 && (x_stride < n_in || y_stride < y_capacity)) return WEAR_ERR_SIZE;
    if (overlaps(x, span_len(x_stride, r->n_channels, n_in), y, span_len(y_stride, r->n_channels, count)))
        return WEAR_ERR_ALIAS;
    int32_t new_offset = r->offset, written = 0;
    for (int32_t c0 = 0; c0 < r->n_channels; c0 += kLanes) {
        const int nrows = r->n_channels - c0 < kLanes ? r->n_channels - c0 : kLanes;
        const float *in[kLanes];
        float *out[kLanes];
        for (int l = 0; l < nrows; ++l) {
            in[l] = x + (c0 + l) * x_stride;
            out[l] = y + (c0 + l) * y_stride;
        }
        new_offset = resample_rows(r, c0, nrows, in, n_in, out, r->offset, &written);
    }
    r->offset = new_offset;
    *n_out = count;
    return WEAR_OK;
}

}  // extern "C"
