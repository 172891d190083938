// Fused preprocessing for one model input: band-pass SOS -> resample -> normalise.
//
// Channels are processed kLanes at a time and samples in blocks of kBlock: a block is filtered in
// SIMD lanes, handed to the resampler while still in cache, and written once to the output. Without
// resampling, the z-score sums are accumulated during the filter pass, so only the final scaling
// touches the output a second time.
#include <algorithm>
#include <cmath>

#include "internal.hpp"

using namespace wear::detail;

namespace {

bool has_filter(const wear_preprocess *p) { return p->filter.n_sections > 0; }
bool has_resampler(const wear_preprocess *p) { return !(p->resampler.up == 1 && p->resampler.down == 1); }

wear_status check_config(const wear_preprocess_config *cfg) {
    if (cfg == nullptr) return WEAR_ERR_NULL;
    if (cfg->n_channels < 1) return WEAR_ERR_ARG;
    if (cfg->n_sections < 0 || cfg->n_sections > WEAR_SOS_MAX_SECTIONS) return WEAR_ERR_ARG;
    if (cfg->n_sections > 0 && cfg->sos == nullptr) return WEAR_ERR_NULL;
    if (cfg->up < 1 || cfg->down < 1) return WEAR_ERR_ARG;
    const bool resample = !(cfg->up == 1 && cfg->down == 1);
    if (resample && cfg->bank == nullptr) return WEAR_ERR_NULL;
    if (resample && (cfg->taps < 1 || cfg->taps > WEAR_RESAMPLE_MAX_TAPS)) return WEAR_ERR_ARG;
    if (cfg->norm != WEAR_NORM_NONE && cfg->norm != WEAR_NORM_ZSCORE && cfg->norm != WEAR_NORM_ROBUST)
        return WEAR_ERR_ARG;
    if (!(cfg->eps >= 0.0f) || !std::isfinite(cfg->eps)) return WEAR_ERR_ARG;
    return WEAR_OK;
}

}  // namespace

extern "C" {

size_t wear_preprocess_scratch_len(const wear_preprocess_config *cfg, int32_t n_in) {
    if (check_config(cfg) != WEAR_OK || n_in < 0) return 0;
    if (cfg->norm != WEAR_NORM_ROBUST) return 0;
    // one output channel: at most ceil(n_in * up / down) samples
    return static_cast<size_t>((static_cast<int64_t>(n_in) * cfg->up + cfg->down - 1) / cfg->down);
}

wear_status wear_preprocess_init(wear_preprocess *p, const wear_preprocess_config *cfg,
                                 wear_sos_state_t *filter_state, size_t filter_state_len, float *resampler_state,
                                 size_t resampler_state_len) {
    if (p == nullptr) return WEAR_ERR_NULL;
    const wear_status st = check_config(cfg);
    if (st != WEAR_OK) return st;
    wear_preprocess q = {};
    if (cfg->n_sections > 0) {
        const wear_status s =
            wear_sos_init(&q.filter, cfg->sos, cfg->n_sections, cfg->n_channels, filter_state, filter_state_len);
        if (s != WEAR_OK) return s;
    }
    if (!(cfg->up == 1 && cfg->down == 1)) {
        const wear_status s = wear_resampler_init(&q.resampler, cfg->bank, cfg->up, cfg->down, cfg->taps,
                                                  cfg->n_channels, resampler_state, resampler_state_len);
        if (s != WEAR_OK) return s;
    } else {
        q.resampler.up = 1;
        q.resampler.down = 1;
    }
    q.n_channels = cfg->n_channels;
    q.norm = cfg->norm;
    q.eps = cfg->eps;
    q.magic = kMagicPreprocess;
    *p = q;
    return WEAR_OK;
}

wear_status wear_preprocess_reset(wear_preprocess *p) {
    if (p == nullptr) return WEAR_ERR_NULL;
    if (p->magic != kMagicPreprocess) return WEAR_ERR_NOT_INIT;
    if (has_filter(p)) wear_sos_reset(&p->filter);
    if (has_resampler(p)) wear_resampler_reset(&p->resampler);
    return WEAR_OK;
}

wear_status wear_preprocess_process(wear_preprocess *p, const float *x, ptrdiff_t x_stride, int32_t n_in,
                                    float *y, ptrdiff_t y_stride, int32_t y_capacity, int32_t *n_out,
                                    float *scratch, size_t scratch_len) {
    if (p == nullptr || x == nullptr || y == nullptr || n_out == nullptr) return WEAR_ERR_NULL;
    if (p->magic != kMagicPreprocess) return WEAR_ERR_NOT_INIT;
    if (n_in < 0) return WEAR_ERR_SIZE;
    const bool filter = has_filter(p), resample = has_resampler(p);
    const int32_t nch = p->n_channels;
    const int32_t count = resample ? wear_resampler_out_len(&p->resampler, n_in) : n_in;
    if (count > y_capacity) return WEAR_ERR_SIZE;
    if (nch > 1 && (x_stride < n_in || y_stride < (resample ? y_capacity : n_in))) return WEAR_ERR_SIZE;
    if (p->norm == WEAR_NORM_ROBUST && count > 0) {
        if (scratch == nullptr) return WEAR_ERR_NULL;
        if (scratch_len < static_cast<size_t>(count)) return WEAR_ERR_SIZE;
    }
    const bool in_place = !resample && x == y && x_stride == y_stride;
    if (!in_place && overlaps(x, span_len(x_stride, nch, n_in), y, span_len(y_stride, nch, count)))
        return WEAR_ERR_ALIAS;

    const int32_t offset0 = p->resampler.offset;
    int32_t offset = offset0;
    const bool fused_stats = filter && !resample && p->norm == WEAR_NORM_ZSCORE;
    float blk[kLanes][kBlock];
    for (int32_t c0 = 0; c0 < nch; c0 += kLanes) {
        const int nrows = nch - c0 < kLanes ? nch - c0 : kLanes;
        RowStats stats = {};
        offset = offset0;
        int32_t out_pos = 0;
        const float *in[kLanes];
        float *out[kLanes];
        for (int32_t t0 = 0; t0 < n_in; t0 += kBlock) {
            const int nb = n_in - t0 < kBlock ? n_in - t0 : kBlock;
            for (int l = 0; l < nrows; ++l) {
                in[l] = x + (c0 + l) * x_stride + t0;
                out[l] = resample ? blk[l] : y + (c0 + l) * y_stride + t0;
            }
            if (filter) {
                sos_block(p->filter.coeffs, p->filter.n_sections,
                          p->filter.state + static_cast<ptrdiff_t>(c0) * p->filter.n_sections * 2, nrows, in, out,
                          nb, fused_stats ? &stats : nullptr);
            } else if (!resample && !in_place) {
                for (int l = 0; l < nrows; ++l) std::memcpy(out[l], in[l], sizeof(float) * nb);
            }
            if (resample) {
                const float *rin[kLanes];
                float *rout[kLanes];
                for (int l = 0; l < nrows; ++l) {
                    rin[l] = filter ? blk[l] : in[l];
                    rout[l] = y + (c0 + l) * y_stride + out_pos;
                }
                int32_t written = 0;
                offset = resample_rows(&p->resampler, c0, nrows, rin, nb, rout, offset, &written);
                out_pos += written;
            }
        }
        if (p->norm == WEAR_NORM_NONE || count == 0) continue;
        for (int l = 0; l < nrows; ++l) {
            float *yr = y + (c0 + l) * y_stride;
            double center, scale;
            if (fused_stats) {
                const double m = stats.sum[l] / count;
                center = stats.shift[l] + m;
                scale = std::sqrt(std::max(stats.sumsq[l] / count - m * m, 0.0));
            } else if (p->norm == WEAR_NORM_ZSCORE) {
                zscore_center_scale(yr, count, &center, &scale);
            } else {
                robust_center_scale(yr, count, scratch, &center, &scale);
            }
            scale_row(yr, count, center, scale, p->eps);
        }
    }
    if (resample) p->resampler.offset = offset;
    *n_out = count;
    return WEAR_OK;
}

const char *wear_status_str(wear_status status) {
    switch (status) {
        case WEAR_OK: return "WEAR_OK: success";
        case WEAR_ERR_NULL: return "WEAR_ERR_NULL: a required pointer is NULL";
        case WEAR_ERR_SIZE: return "WEAR_ERR_SIZE: a buffer is too small or a count is out of range";
        case WEAR_ERR_ARG: return "WEAR_ERR_ARG: an argument is out of range";
        case WEAR_ERR_NOT_INIT: return "WEAR_ERR_NOT_INIT: the state struct was not initialised";
        case WEAR_ERR_ALIAS: return "WEAR_ERR_ALIAS: input and output buffers overlap";
    }
    return "unknown wear_status";
}

const char *wear_version(void) { return "0.1.0"; }

}  // extern "C"
