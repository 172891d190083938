// Per-window normalisation: z-score (mean / population std) and robust (median / IQR).
#include <algorithm>
#include <cmath>

#include "internal.hpp"

namespace wear {
namespace detail {

void scale_row(float *y, int32_t n, double center, double scale, float eps) {
    // center = hi + lo in float: y - hi is exact for samples near the centre (Sterbenz), so a large
    // DC offset (raw ADC counts) does not eat the precision of the result.
    const float hi = static_cast<float>(center);
    const float lo = static_cast<float>(center - hi);
    const float inv = static_cast<float>(1.0 / std::max(scale, static_cast<double>(eps)));
    for (int32_t t = 0; t < n; ++t) y[t] = ((y[t] - hi) - lo) * inv;
}

namespace {

// Linear-interpolated quantile q of a[0..n) (numpy's default), reordering a.
double quantile(float *a, int32_t n, double q) {
    const double pos = q * (n - 1);
    const int32_t lo = static_cast<int32_t>(std::floor(pos));
    const double frac = pos - lo;
    std::nth_element(a, a + lo, a + n);
    const double v_lo = a[lo];
    if (frac == 0.0 || lo + 1 >= n) return v_lo;
    const double v_hi = *std::min_element(a + lo + 1, a + n);
    return v_lo + (v_hi - v_lo) * frac;
}

}  // namespace

void zscore_center_scale(const float *x, int32_t n, double *center, double *scale) {
    const double shift = x[0];
    double s1 = 0.0, s2 = 0.0;
    for (int32_t t = 0; t < n; ++t) {
        const double d = x[t] - shift;
        s1 += d;
        s2 += d * d;
    }
    const double m = s1 / n;
    *center = shift + m;
    *scale = std::sqrt(std::max(s2 / n - m * m, 0.0));
}

void robust_center_scale(const float *x, int32_t n, float *scratch, double *center, double *scale) {
    std::memcpy(scratch, x, sizeof(float) * n);
    *center = quantile(scratch, n, 0.5);
    const double q25 = quantile(scratch, n, 0.25);
    const double q75 = quantile(scratch, n, 0.75);
    *scale = (q75 - q25) / 1.3489795003921634;  // IQR of a unit normal
}

}  // namespace detail
}  // namespace wear

using namespace wear::detail;

extern "C" wear_status wear_normalize(const float *x, ptrdiff_t x_stride, float *y, ptrdiff_t y_stride,
                                      int32_t n_channels, int32_t n_samples, int32_t norm, float eps,
                                      float *scratch, size_t scratch_len) {
    if (x == nullptr || y == nullptr) return WEAR_ERR_NULL;
    if (n_channels < 1 || n_samples < 1) return WEAR_ERR_SIZE;
    if (n_channels > 1 && (x_stride < n_samples || y_stride < n_samples)) return WEAR_ERR_SIZE;
    if (norm != WEAR_NORM_NONE && norm != WEAR_NORM_ZSCORE && norm != WEAR_NORM_ROBUST) return WEAR_ERR_ARG;
    if (!(eps >= 0.0f) || !std::isfinite(eps)) return WEAR_ERR_ARG;
    if (norm == WEAR_NORM_ROBUST) {
        if (scratch == nullptr) return WEAR_ERR_NULL;
        if (scratch_len < static_cast<size_t>(n_samples)) return WEAR_ERR_SIZE;
    }
    if (x != y && overlaps(x, span_len(x_stride, n_channels, n_samples), y,
                           span_len(y_stride, n_channels, n_samples)))
        return WEAR_ERR_ALIAS;
    for (int32_t c = 0; c < n_channels; ++c) {
        const float *xc = x + c * x_stride;
        float *yc = y + c * y_stride;
        if (yc != xc) std::memcpy(yc, xc, sizeof(float) * n_samples);
        if (norm == WEAR_NORM_NONE) continue;
        double center, scale;
        if (norm == WEAR_NORM_ZSCORE) {
            zscore_center_scale(xc, n_samples, &center, &scale);
        } else {
            robust_center_scale(xc, n_samples, scratch, &center, &scale);
        }
        scale_row(yc, n_samples, center, scale, eps);
    }
    return WEAR_OK;
}
