/* Windower: streamed in chunks of any size, window k is exactly samples [k*hop, k*hop + window). */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

#define NCH 3
#define N 1000
#define WIN 96
#define HOP 40

int main(void) {
    static float x[NCH * N], out[NCH * WIN], ring[NCH * WIN];
    for (int c = 0; c < NCH; ++c)
        for (int t = 0; t < N; ++t) x[c * N + t] = (float)(c * 10000 + t);
    wear_windower w;
    CHECK(wear_windower_state_len(WIN, NCH) == NCH * WIN);
    CHECK(wear_windower_init(&w, WIN, HOP, NCH, ring, NCH * WIN) == WEAR_OK);
    CHECK(wear_windower_read(&w, out, WIN) == WEAR_ERR_SIZE); /* nothing to read yet */
    int pos = 0, len = 1, k = 0;
    while (pos < N) {
        const int n = pos + len > N ? N - pos : len;
        int off = 0;
        while (off < n) {
            int consumed = -1, ready = -1;
            CHECK(wear_windower_push(&w, x + pos + off, N, n - off, &consumed, &ready) == WEAR_OK);
            CHECK(consumed >= 0 && consumed <= n - off);
            off += consumed;
            if (ready) {
                CHECK(wear_windower_read(&w, out, WIN) == WEAR_OK);
                for (int c = 0; c < NCH; ++c)
                    CHECK(memcmp(out + c * WIN, x + c * N + k * HOP, sizeof(float) * WIN) == 0);
                ++k;
            }
        }
        pos += n;
        len = len % 53 + 1;
    }
    CHECK(k == (N - WIN) / HOP + 1);
    CHECK(wear_windower_init(&w, WIN, WIN + 1, NCH, ring, NCH * WIN) == WEAR_ERR_ARG); /* hop > window */
    TEST_MAIN_END();
}
