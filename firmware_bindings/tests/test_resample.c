/* Polyphase resampler: matches a naive up-sample / filter / down-sample in double, for several
   ratios, and streams in chunks of any size with exactly the one-shot output. */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define NCH 5
#define N 601
#define MAXOUT 2000

/* A windowed-sinc low-pass with hlen taps at the up-sampled rate, cut at 1/max(up, down). */
static void design(float *h, int hlen, int up, int down) {
    const double pi = 3.14159265358979323846;
    const int mx = up > down ? up : down;
    const double fc = 1.0 / mx, mid = 0.5 * (hlen - 1);
    for (int i = 0; i < hlen; ++i) {
        const double t = i - mid;
        const double sinc = t == 0.0 ? fc : sin(pi * fc * t) / (pi * t);
        h[i] = (float)(up * sinc * (0.54 - 0.46 * cos(2 * pi * i / (hlen - 1))));
    }
}

static int run_case(int up, int down, int hlen) {
    static float x[NCH * N], y[NCH * MAXOUT], yc[NCH * MAXOUT], h[1024], bank[1024];
    static double ref[MAXOUT];
    const int taps = (hlen + up - 1) / up;
    float hist[NCH * 256];
    design(h, hlen, up, down);
    for (int p = 0; p < up; ++p)
        for (int m = 0; m < taps; ++m) {
            const int k = p + (taps - 1 - m) * up;
            bank[p * taps + m] = k < hlen ? h[k] : 0.0f;
        }
    for (int c = 0; c < NCH; ++c) fill_signal(x + c * N, N, c);

    wear_resampler r;
    CHECK(wear_resampler_init(&r, bank, up, down, taps, NCH, hist, sizeof hist / sizeof hist[0]) == WEAR_OK);
    const int n_out = wear_resampler_out_len(&r, N);
    CHECK(n_out == (N * up + down - 1) / down);
    int written = -1;
    CHECK(wear_resampler_process(&r, x, N, N, y, MAXOUT, MAXOUT, &written) == WEAR_OK);
    CHECK(written == n_out);
    for (int c = 0; c < NCH; ++c) {
        for (int j = 0; j < n_out; ++j) {
            double acc = 0.0; /* y[j] = sum_i x[i] h[j*down - i*up] */
            for (int i = 0; i < N; ++i) {
                const int k = j * down - i * up;
                if (k >= 0 && k < hlen) acc += (double)x[c * N + i] * h[k];
            }
            ref[j] = acc;
        }
        for (int j = 0; j < n_out; ++j) CHECK_NEAR(y[c * MAXOUT + j], ref[j], 1e-5);
    }

    CHECK(wear_resampler_reset(&r) == WEAR_OK);
    int t0 = 0, pos = 0, len = 1;
    while (t0 < N) {
        const int nb = t0 + len > N ? N - t0 : len;
        const int expect = wear_resampler_out_len(&r, nb);
        CHECK(wear_resampler_process(&r, x + t0, N, nb, yc + pos, MAXOUT, MAXOUT - pos, &written) == WEAR_OK);
        CHECK(written == expect);
        pos += written;
        t0 += nb;
        len = len % 37 + 1;
    }
    CHECK(pos == n_out);
    for (int c = 0; c < NCH; ++c)
        CHECK(memcmp(y + c * MAXOUT, yc + c * MAXOUT, sizeof(float) * n_out) == 0);
    return 0;
}

int main(void) {
    run_case(1, 4, 81);   /* 256 -> 64 Hz */
    run_case(2, 1, 41);   /* 2x up */
    run_case(16, 25, 801); /* 100 -> 64 Hz */
    run_case(3, 2, 61);
    TEST_MAIN_END();
}
