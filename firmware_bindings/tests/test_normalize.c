/* Normalisation: z-score gives mean 0 / std 1 with a large DC offset; robust uses median and
   IQR / 1.349 (checked on a known sequence); a flat window gives zeros, not NaN. */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define N 1000

int main(void) {
    static float x[3 * N], y[3 * N], scratch[N];
    for (int c = 0; c < 3; ++c) fill_signal(x + c * N, N, c);
    for (int t = 0; t < N; ++t) x[t] += 1.0e5f; /* ADC-like offset on channel 0 */
    for (int t = 0; t < N; ++t) x[2 * N + t] = 7.0f; /* flat channel */

    CHECK(wear_normalize(x, N, y, N, 3, N, WEAR_NORM_ZSCORE, 1e-8f, NULL, 0) == WEAR_OK);
    for (int c = 0; c < 2; ++c) {
        double s1 = 0, s2 = 0;
        for (int t = 0; t < N; ++t) s1 += y[c * N + t];
        for (int t = 0; t < N; ++t) s2 += (y[c * N + t] - s1 / N) * (y[c * N + t] - s1 / N);
        CHECK_NEAR(s1 / N, 0.0, 1e-4);
        CHECK_NEAR(sqrt(s2 / N), 1.0, 1e-3);
    }
    for (int t = 0; t < N; ++t) CHECK(y[2 * N + t] == 0.0f);

    /* robust: 0..8 -> median 4, q25 2, q75 6, IQR 4 */
    float r[9] = {8, 3, 0, 5, 1, 7, 2, 6, 4}, ry[9], rs[9];
    CHECK(wear_normalize(r, 9, ry, 9, 1, 9, WEAR_NORM_ROBUST, 1e-8f, rs, 9) == WEAR_OK);
    for (int t = 0; t < 9; ++t) CHECK_NEAR(ry[t], (r[t] - 4.0) / (4.0 / 1.3489795003921634), 1e-5);
    /* robust with interpolation: 1,2,3,4 -> median 2.5, q25 1.75, q75 3.25 */
    float q[4] = {4, 1, 3, 2}, qy[4];
    CHECK(wear_normalize(q, 4, qy, 4, 1, 4, WEAR_NORM_ROBUST, 1e-8f, rs, 4) == WEAR_OK);
    CHECK_NEAR(qy[0], (4 - 2.5) / (1.5 / 1.3489795003921634), 1e-5);

    /* in place equals out of place */
    memcpy(y, x, sizeof x);
    CHECK(wear_normalize(y, N, y, N, 3, N, WEAR_NORM_ROBUST, 1e-8f, scratch, N) == WEAR_OK);
    float y2[3 * N];
    CHECK(wear_normalize(x, N, y2, N, 3, N, WEAR_NORM_ROBUST, 1e-8f, scratch, N) == WEAR_OK);
    CHECK(memcmp(y, y2, sizeof y) == 0);
    TEST_MAIN_END();
}
