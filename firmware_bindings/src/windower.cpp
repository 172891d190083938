// Ring-buffer windower: the streaming layer between preprocessing and the model.
#include "internal.hpp"

using namespace wear::detail;

namespace {
constexpr uint32_t kMagicWindower = 0x57494e31u;  // "WIN1"
}

extern "C" {

size_t wear_windower_state_len(int32_t window, int32_t n_channels) {
    if (window < 1 || n_channels < 1) return 0;
    return static_cast<size_t>(window) * static_cast<size_t>(n_channels);
}

wear_status wear_windower_init(wear_windower *w, int32_t window, int32_t hop, int32_t n_channels, float *ring,
                               size_t ring_len) {
    if (w == nullptr || ring == nullptr) return WEAR_ERR_NULL;
    if (window < 1 || hop < 1 || hop > window || n_channels < 1) return WEAR_ERR_ARG;
    if (ring_len < wear_windower_state_len(window, n_channels)) return WEAR_ERR_SIZE;
    w->ring = ring;
    w->window = window;
    w->hop = hop;
    w->n_channels = n_channels;
    w->magic = kMagicWindower;
    return wear_windower_reset(w);
}

wear_status wear_windower_reset(wear_windower *w) {
    if (w == nullptr) return WEAR_ERR_NULL;
    if (w->magic != kMagicWindower) return WEAR_ERR_NOT_INIT;
    w->write_pos = 0;
    w->filled = 0;
    w->until_next = w->window;
    std::memset(w->ring, 0, wear_windower_state_len(w->window, w->n_channels) * sizeof(float));
    return WEAR_OK;
}

wear_status wear_windower_push(wear_windower *w, const float *x, ptrdiff_t x_stride, int32_t n, int32_t *consumed,
                               int32_t *ready) {
    if (w == nullptr || consumed == nullptr || ready == nullptr) return WEAR_ERR_NULL;
    if (w->magic != kMagicWindower) return WEAR_ERR_NOT_INIT;
    if (n < 0) return WEAR_ERR_SIZE;
    if (n > 0 && x == nullptr) return WEAR_ERR_NULL;
    if (w->n_channels > 1 && n > 0 && x_stride < n) return WEAR_ERR_SIZE;
    const int32_t take = n < w->until_next ? n : w->until_next;
    int32_t done = 0;
    while (done < take) {  // at most two contiguous runs in the ring
        const int32_t run = (take - done) < (w->window - w->write_pos) ? (take - done) : (w->window - w->write_pos);
        for (int32_t c = 0; c < w->n_channels; ++c)
            std::memcpy(w->ring + static_cast<ptrdiff_t>(c) * w->window + w->write_pos, x + c * x_stride + done,
                        sizeof(float) * run);
        w->write_pos = (w->write_pos + run) % w->window;
        done += run;
    }
    w->filled = w->filled + take < w->window ? w->filled + take : w->window;
    w->until_next -= take;
    *consumed = take;
    *ready = w->until_next == 0 ? 1 : 0;
    if (*ready) w->until_next = w->hop;
    return WEAR_OK;
}

wear_status wear_windower_read(const wear_windower *w, float *out, ptrdiff_t out_stride) {
    if (w == nullptr || out == nullptr) return WEAR_ERR_NULL;
    if (w->magic != kMagicWindower) return WEAR_ERR_NOT_INIT;
    if (w->filled < w->window) return WEAR_ERR_SIZE;
    if (w->n_channels > 1 && out_stride < w->window) return WEAR_ERR_SIZE;
    // write_pos is the oldest sample once the ring is full
    const int32_t first = w->window - w->write_pos;
    for (int32_t c = 0; c < w->n_channels; ++c) {
        const float *r = w->ring + static_cast<ptrdiff_t>(c) * w->window;
        float *o = out + c * out_stride;
        std::memcpy(o, r + w->write_pos, sizeof(float) * first);
        std::memcpy(o + first, r, sizeof(float) * w->write_pos);
    }
    return WEAR_OK;
}

}  // extern "C"
