/* Pipeline: raw chunks of any size give exactly the windows of the offline preprocessing
   (filter + resample over the whole stream, then window, then z-score). */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define NCH 4
#define N 4000
#define UP 1
#define DOWN 4
#define TAPS 21
#define WIN 160
#define HOP 64

int main(void) {
    static float x[NCH * N], full[NCH * N], win[NCH * WIN], ref[NCH * WIN];
    float bank[UP * TAPS];
    for (int m = 0; m < TAPS; ++m) bank[m] = (float)(m + 1) / (TAPS * (TAPS + 1) / 2);
    for (int c = 0; c < NCH; ++c) fill_signal(x + c * N, N, c);

    /* offline: the whole stream through wear_preprocess (no normalisation) */
    wear_sos_state_t fs[NCH * 8];
    float rs[NCH * (TAPS - 1)];
    wear_preprocess_config pc = {kBandpassSos, 4, bank, UP, DOWN, TAPS, NCH, WEAR_NORM_NONE, 1e-8f};
    wear_preprocess pre;
    int n_full = 0;
    CHECK(wear_preprocess_init(&pre, &pc, fs, NCH * 8, rs, NCH * (TAPS - 1)) == WEAR_OK);
    CHECK(wear_preprocess_process(&pre, x, N, N, full, N, N, &n_full, NULL, 0) == WEAR_OK);
    CHECK(n_full == N / DOWN);

    for (int norm = WEAR_NORM_NONE; norm <= WEAR_NORM_ROBUST; ++norm) {
        wear_pipeline_config cfg = {{kBandpassSos, 4, bank, UP, DOWN, TAPS, NCH, norm, 1e-8f}, WIN, HOP};
        wear_pipeline_sizes sz;
        CHECK(wear_pipeline_sizes_for(&cfg, &sz) == WEAR_OK);
        CHECK(sz.ring == NCH * WIN && sz.work == NCH * WEAR_PIPELINE_STEP);
        CHECK(sz.window_scratch == (norm == WEAR_NORM_ROBUST ? WIN : 0));
        static float ring[NCH * WIN], work[NCH * WEAR_PIPELINE_STEP], scratch[WIN];
        wear_sos_state_t fstate[NCH * 8];
        float rstate[NCH * (TAPS - 1)];
        wear_pipeline p;
        CHECK(wear_pipeline_init(&p, &cfg, fstate, NCH * 8, rstate, NCH * (TAPS - 1), ring, NCH * WIN, work,
                                 NCH * WEAR_PIPELINE_STEP) == WEAR_OK);
        int pos = 0, len = 1, k = 0;
        while (pos < N) {
            const int n = pos + len > N ? N - pos : len;
            int off = 0, ready = 0;
            do {
                int consumed = -1;
                CHECK(wear_pipeline_process(&p, x + pos + off, N, n - off, &consumed, win, WIN, &ready, scratch,
                                            WIN) == WEAR_OK);
                off += consumed;
                if (ready) {
                    for (int c = 0; c < NCH; ++c) memcpy(ref + c * WIN, full + c * N + k * HOP, sizeof(float) * WIN);
                    CHECK(wear_normalize(ref, WIN, ref, WIN, NCH, WIN, norm, 1e-8f, scratch, WIN) ==
                          WEAR_OK);
                    CHECK(memcmp(win, ref, sizeof win) == 0);
                    ++k;
                } else {
                    CHECK(off == n); /* not ready: the whole chunk was taken */
                }
            } while (ready);
            pos += n;
            len = len % 251 + 1;
        }
        CHECK(k == (N / DOWN - WIN) / HOP + 1);
        CHECK(wear_pipeline_reset(&p) == WEAR_OK);
    }
    /* a resampling ratio the step cannot hold is refused */
    wear_pipeline_config bad = {{NULL, 0, bank, 1000, 1, 1, 1, WEAR_NORM_NONE, 0.0f}, WIN, HOP};
    wear_pipeline_sizes sz;
    CHECK(wear_pipeline_sizes_for(&bad, &sz) == WEAR_ERR_ARG);
    TEST_MAIN_END();
}
