/* Fused preprocessing equals the stages run one after the other (filter -> resample -> normalise),
   and streaming it in chunks without normalisation equals the one-shot output. */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define NCH 9
#define N 1024
#define UP 1
#define DOWN 4
#define TAPS 21

int main(void) {
    static float x[NCH * N], y[NCH * N], ref_f[NCH * N], ref[NCH * N], yc[NCH * N], scratch[N];
    float bank[UP * TAPS];
    for (int m = 0; m < TAPS; ++m) bank[m] = 1.0f / TAPS; /* moving average: any FIR does here */
    for (int c = 0; c < NCH; ++c) fill_signal(x + c * N, N, c);
    const int n_out = N / DOWN;

    for (int norm = 0; norm <= 2; ++norm) {
        wear_sos_state_t fstate[NCH * 8], fs2[NCH * 8];
        float rstate[NCH * (TAPS - 1)], rs2[NCH * (TAPS - 1)];
        wear_preprocess_config cfg = {kBandpassSos, 4, bank, UP, DOWN, TAPS, NCH, norm, 1e-8f};
        wear_preprocess p;
        CHECK(wear_preprocess_init(&p, &cfg, fstate, NCH * 8, rstate, NCH * (TAPS - 1)) == WEAR_OK);
        int written = 0;
        CHECK(wear_preprocess_process(&p, x, N, N, y, N, N, &written, scratch, N) == WEAR_OK);
        CHECK(written == n_out);

        wear_sos f;
        wear_resampler r;
        int w2 = 0;
        CHECK(wear_sos_init(&f, kBandpassSos, 4, NCH, fs2, NCH * 8) == WEAR_OK);
        CHECK(wear_sos_process(&f, x, N, ref_f, N, N) == WEAR_OK);
        CHECK(wear_resampler_init(&r, bank, UP, DOWN, TAPS, NCH, rs2, NCH * (TAPS - 1)) == WEAR_OK);
        CHECK(wear_resampler_process(&r, ref_f, N, N, ref, N, N, &w2) == WEAR_OK);
        CHECK(wear_normalize(ref, N, ref, N, NCH, n_out, norm, 1e-8f, scratch, N) == WEAR_OK);
        for (int c = 0; c < NCH; ++c)
            for (int t = 0; t < n_out; ++t) CHECK_NEAR(y[c * N + t], ref[c * N + t], 2e-5);
        CHECK(memcmp(fstate, fs2, sizeof fstate) == 0);
        CHECK(memcmp(rstate, rs2, sizeof rstate) == 0);
    }

    /* streaming, no normalisation: chunks of 1..97 samples */
    wear_sos_state_t fstate[NCH * 8];
    float rstate[NCH * (TAPS - 1)];
    wear_preprocess_config cfg = {kBandpassSos, 4, bank, UP, DOWN, TAPS, NCH, WEAR_NORM_NONE, 0.0f};
    wear_preprocess p;
    CHECK(wear_preprocess_init(&p, &cfg, fstate, NCH * 8, rstate, NCH * (TAPS - 1)) == WEAR_OK);
    int written = 0;
    CHECK(wear_preprocess_process(&p, x, N, N, y, N, N, &written, NULL, 0) == WEAR_OK);
    CHECK(wear_preprocess_reset(&p) == WEAR_OK);
    int t0 = 0, pos = 0, len = 1;
    while (t0 < N) {
        const int nb = t0 + len > N ? N - t0 : len;
        CHECK(wear_preprocess_process(&p, x + t0, N, nb, yc + pos, N, N - pos, &written, NULL, 0) == WEAR_OK);
        pos += written;
        t0 += nb;
        len = len % 97 + 1;
    }
    CHECK(pos == n_out);
    for (int c = 0; c < NCH; ++c) CHECK(memcmp(y + c * N, yc + c * N, sizeof(float) * n_out) == 0);

    /* no filter, no resampling, z-score in place */
    wear_preprocess_config plain = {NULL, 0, NULL, 1, 1, 0, NCH, WEAR_NORM_ZSCORE, 1e-8f};
    CHECK(wear_preprocess_init(&p, &plain, NULL, 0, NULL, 0) == WEAR_OK);
    memcpy(yc, x, sizeof x);
    CHECK(wear_preprocess_process(&p, yc, N, N, yc, N, N, &written, NULL, 0) == WEAR_OK);
    CHECK(wear_normalize(x, N, y, N, NCH, N, WEAR_NORM_ZSCORE, 1e-8f, NULL, 0) == WEAR_OK);
    for (int i = 0; i < NCH * N; ++i) CHECK_NEAR(yc[i], y[i], 1e-5);
    TEST_MAIN_END();
}
