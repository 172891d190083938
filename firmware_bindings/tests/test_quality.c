/* Quality flags: NaN/inf counted, longest flat run, samples stuck at the window's rails. */
#include <math.h>

#include "check.h"
#include "wear_dsp.h"

#define N 400

int main(void) {
    static float x[3 * N];
    for (int c = 0; c < 3; ++c) fill_signal(x + c * N, N, c);
    /* channel 0: clean. channel 1: 10 NaN + 2 inf, and a flat run of 50. channel 2: clipped at +-1 */
    for (int t = 100; t < 110; ++t) x[N + t] = NAN;
    x[N + 200] = INFINITY;
    x[N + 201] = -INFINITY;
    for (int t = 300; t < 350; ++t) x[N + t] = 0.25f;
    int clipped = 0;
    for (int t = 0; t < N; ++t) {
        float *v = &x[2 * N + t];
        *v *= 1.5f;
        if (*v > 1.0f) { *v = 1.0f; ++clipped; }
        if (*v < -1.0f) { *v = -1.0f; ++clipped; }
    }
    wear_quality q[3];
    CHECK(wear_quality_compute(x, N, 3, N, 0.0f, q) == WEAR_OK);
    CHECK(q[0].nonfinite_fraction == 0.0f);
    CHECK(q[0].clip_fraction == 0.0f);
    CHECK(q[0].flat_fraction <= 2.0f / N);
    CHECK_NEAR(q[1].nonfinite_fraction, 12.0 / N, 1e-7);
    CHECK_NEAR(q[1].flat_fraction, 50.0 / N, 1e-7);
    CHECK(clipped > 20);
    CHECK_NEAR(q[2].clip_fraction, (clipped - 2.0) / N, 1e-7);
    /* an all-NaN window: everything non-finite, no flat run, no clipping */
    float nan_win[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    CHECK(wear_quality_compute(nan_win, 8, 1, 8, 0.0f, q) == WEAR_OK);
    CHECK(q[0].nonfinite_fraction == 1.0f && q[0].flat_fraction == 0.0f && q[0].clip_fraction == 0.0f);
    TEST_MAIN_END();
}
