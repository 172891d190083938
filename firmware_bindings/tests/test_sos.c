/* SOS filter: matches a naive double-precision direct form II transposed reference, streams in
   chunks of any size with exactly the one-shot output, and works in place. */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define NCH 11 /* not a multiple of the SIMD lane count */
#define N 700

static void reference(const float *sos, int ns, const float *x, double *y, int n) {
    double z[16][2] = {{0}};
    for (int t = 0; t < n; ++t) {
        double v = x[t];
        for (int s = 0; s < ns; ++s) {
            const float *c = sos + 6 * s;
            double out = c[0] * v + z[s][0];
            z[s][0] = c[1] * v - c[4] * out + z[s][1];
            z[s][1] = c[2] * v - c[5] * out;
            v = out;
        }
        y[t] = v;
    }
}

int main(void) {
    static float x[NCH * N], y[NCH * N], yc[NCH * N];
    static double ref[N];
    wear_sos_state_t state[NCH * 4 * 2];
    for (int c = 0; c < NCH; ++c) fill_signal(x + c * N, N, c);

    wear_sos f;
    CHECK(wear_sos_state_len(4, NCH) == NCH * 8);
    CHECK(wear_sos_init(&f, kBandpassSos, 4, NCH, state, sizeof state / sizeof state[0]) == WEAR_OK);
    CHECK(wear_sos_process(&f, x, N, y, N, N) == WEAR_OK);
    for (int c = 0; c < NCH; ++c) {
        reference(kBandpassSos, 4, x + c * N, ref, N);
        for (int t = 0; t < N; ++t) CHECK_NEAR(y[c * N + t], ref[t], 1e-6);
    }

    /* chunked: sizes 1, 2, 3, ... until the end */
    CHECK(wear_sos_reset(&f) == WEAR_OK);
    int t0 = 0, len = 1;
    while (t0 < N) {
        int nb = t0 + len > N ? N - t0 : len;
        CHECK(wear_sos_process(&f, x + t0, N, yc + t0, N, nb) == WEAR_OK);
        t0 += nb;
        len = len % 150 + 1;
    }
    CHECK(memcmp(y, yc, sizeof y) == 0);

    /* in place */
    CHECK(wear_sos_reset(&f) == WEAR_OK);
    memcpy(yc, x, sizeof x);
    CHECK(wear_sos_process(&f, yc, N, yc, N, N) == WEAR_OK);
    CHECK(memcmp(y, yc, sizeof y) == 0);

    /* a single channel ignores the stride */
    wear_sos g;
    wear_sos_state_t st1[8];
    CHECK(wear_sos_init(&g, kBandpassSos, 4, 1, st1, 8) == WEAR_OK);
    CHECK(wear_sos_process(&g, x + 3 * N, 0, yc, 0, N) == WEAR_OK);
    CHECK(memcmp(yc, y + 3 * N, sizeof(float) * N) == 0);
    TEST_MAIN_END();
}
