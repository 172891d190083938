// One model input end to end on a device: raw samples -> preprocess -> windows -> normalised input.
//
// The pipeline never holds more than WEAR_PIPELINE_STEP preprocessed samples per channel outside the
// ring: it feeds the preprocessor only as many input samples as fill that step, so a window can be
// handed out the moment it completes without dropping or re-ordering anything.
#include "internal.hpp"

using namespace wear::detail;

namespace {

constexpr uint32_t kMagicPipeline = 0x50495031u;  // "PIP1"

bool identity(const wear_pipeline_config *cfg) { return cfg->pre.up == 1 && cfg->pre.down == 1; }

}  // namespace

extern "C" {

wear_status wear_pipeline_sizes_for(const wear_pipeline_config *cfg, wear_pipeline_sizes *sizes) {
    if (cfg == nullptr || sizes == nullptr) return WEAR_ERR_NULL;
    const wear_preprocess_config &pc = cfg->pre;
    if (pc.n_channels < 1 || cfg->window < 1 || cfg->hop < 1 || cfg->hop > cfg->window) return WEAR_ERR_ARG;
    if (pc.up < 1 || pc.down < 1 || pc.up > WEAR_PIPELINE_STEP * pc.down) return WEAR_ERR_ARG;
    sizes->filter_state = pc.n_sections > 0 ? wear_sos_state_len(pc.n_sections, pc.n_channels) : 0;
    sizes->resampler_state = identity(cfg) ? 0 : wear_resampler_state_len(pc.taps, pc.n_channels);
    sizes->ring = wear_windower_state_len(cfg->window, pc.n_channels);
    sizes->work = static_cast<size_t>(pc.n_channels) * WEAR_PIPELINE_STEP;
    sizes->window_scratch = pc.norm == WEAR_NORM_ROBUST ? static_cast<size_t>(cfg->window) : 0;
    return WEAR_OK;
}

wear_status wear_pipeline_init(wear_pipeline *p, const wear_pipeline_config *cfg, wear_sos_state_t *filter_state,
                               size_t filter_state_len, float *resampler_state, size_t resampler_state_len,
                               float *ring, size_t ring_len, float *work, size_t work_len) {
    if (p == nullptr || cfg == nullptr || work == nullptr) return WEAR_ERR_NULL;
    wear_pipeline_sizes need;
    wear_status st = wear_pipeline_sizes_for(cfg, &need);
    if (st != WEAR_OK) return st;
    if (work_len < need.work) return WEAR_ERR_SIZE;
    wear_preprocess_config pre = cfg->pre;
    pre.norm = WEAR_NORM_NONE;  // the per-window normalisation happens on read-out
    wear_pipeline q = {};
    st = wear_preprocess_init(&q.pre, &pre, filter_state, filter_state_len, resampler_state, resampler_state_len);
    if (st != WEAR_OK) return st;
    if (cfg->pre.norm != WEAR_NORM_NONE && cfg->pre.norm != WEAR_NORM_ZSCORE && cfg->pre.norm != WEAR_NORM_ROBUST)
        return WEAR_ERR_ARG;
    st = wear_windower_init(&q.win, cfg->window, cfg->hop, cfg->pre.n_channels, ring, ring_len);
    if (st != WEAR_OK) return st;
    q.work = work;
    q.work_len = 0;
    q.work_pos = 0;
    q.norm = cfg->pre.norm;
    q.eps = cfg->pre.eps;
    q.magic = kMagicPipeline;
    *p = q;
    return WEAR_OK;
}

wear_status wear_pipeline_reset(wear_pipeline *p) {
    if (p == nullptr) return WEAR_ERR_NULL;
    if (p->magic != kMagicPipeline) return WEAR_ERR_NOT_INIT;
    p->work_len = 0;
    p->work_pos = 0;
    const wear_status st = wear_preprocess_reset(&p->pre);
    return st != WEAR_OK ? st : wear_windower_reset(&p->win);
}

wear_status wear_pipeline_process(wear_pipeline *p, const float *x, ptrdiff_t x_stride, int32_t n,
                                  int32_t *consumed, float *window_out, ptrdiff_t out_stride, int32_t *ready,
                                  float *window_scratch, size_t window_scratch_len) {
    if (p == nullptr || consumed == nullptr || ready == nullptr || window_out == nullptr) return WEAR_ERR_NULL;
    if (p->magic != kMagicPipeline) return WEAR_ERR_NOT_INIT;
    if (n < 0) return WEAR_ERR_SIZE;
    if (n > 0 && x == nullptr) return WEAR_ERR_NULL;
    const int32_t nch = p->win.n_channels;
    if (nch > 1 && ((n > 0 && x_stride < n) || out_stride < p->win.window)) return WEAR_ERR_SIZE;
    if (p->norm == WEAR_NORM_ROBUST) {
        if (window_scratch == nullptr) return WEAR_ERR_NULL;
        if (window_scratch_len < static_cast<size_t>(p->win.window)) return WEAR_ERR_SIZE;
    }
    *consumed = 0;
    *ready = 0;
    const wear_resampler &rs = p->pre.resampler;
    const bool resample = !(rs.up == 1 && rs.down == 1);
    for (;;) {
        if (p->work_pos < p->work_len) {
            int32_t took = 0, done = 0;
            wear_status st = wear_windower_push(&p->win, p->work + p->work_pos, WEAR_PIPELINE_STEP,
                                                p->work_len - p->work_pos, &took, &done);
            if (st != WEAR_OK) return st;
            p->work_pos += took;
            if (done) {
                st = wear_windower_read(&p->win, window_out, out_stride);
                if (st == WEAR_OK && p->norm != WEAR_NORM_NONE)
                    st = wear_normalize(window_out, out_stride, window_out, out_stride, nch, p->win.window,
                                        p->norm, p->eps, window_scratch, window_scratch_len);
                if (st == WEAR_OK) *ready = 1;
                return st;
            }
            continue;
        }
        if (*consumed == n) return WEAR_OK;
        // inputs that produce at most WEAR_PIPELINE_STEP outputs
        int32_t m = n - *consumed;
        if (resample) {
            const int64_t m_max = (static_cast<int64_t>(WEAR_PIPELINE_STEP) * rs.down + rs.offset) / rs.up;
            m = static_cast<int32_t>(m < m_max ? m : m_max);
        } else if (m > WEAR_PIPELINE_STEP) {
            m = WEAR_PIPELINE_STEP;
        }
        int32_t produced = 0;
        const wear_status st = wear_preprocess_process(&p->pre, x + *consumed, x_stride, m, p->work,
                                                       WEAR_PIPELINE_STEP, WEAR_PIPELINE_STEP, &produced, nullptr, 0);
        if (st != WEAR_OK) return st;
        *consumed += m;
        p->work_len = produced;
        p->work_pos = 0;
    }
}

}  // extern "C"
