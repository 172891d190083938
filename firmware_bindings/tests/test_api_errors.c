/* Every entry point reports bad arguments with a status code and leaves outputs untouched. */
#include <string.h>

#include "check.h"
#include "wear_dsp.h"

int main(void) {
    float x[64] = {0}, y[64], state[64], bank[8] = {1};
    wear_sos_state_t sstate[64];
    memset(y, 0x7f, sizeof y);
    wear_sos f;
    CHECK(wear_sos_init(NULL, kBandpassSos, 4, 1, sstate, 64) == WEAR_ERR_NULL);
    CHECK(wear_sos_init(&f, NULL, 4, 1, sstate, 64) == WEAR_ERR_NULL);
    CHECK(wear_sos_init(&f, kBandpassSos, 4, 1, NULL, 64) == WEAR_ERR_NULL);
    CHECK(wear_sos_init(&f, kBandpassSos, 0, 1, sstate, 64) == WEAR_ERR_ARG);
    CHECK(wear_sos_init(&f, kBandpassSos, 17, 1, sstate, 64) == WEAR_ERR_ARG);
    CHECK(wear_sos_init(&f, kBandpassSos, 4, 9, sstate, 64) == WEAR_ERR_SIZE); /* needs 72 floats */
    float bad_a0[6] = {1, 0, 0, 2, 0, 0};
    CHECK(wear_sos_init(&f, bad_a0, 1, 1, sstate, 64) == WEAR_ERR_ARG);
    memset(&f, 0, sizeof f);
    CHECK(wear_sos_process(&f, x, 64, y, 64, 64) == WEAR_ERR_NOT_INIT);
    CHECK(wear_sos_init(&f, kBandpassSos, 4, 2, sstate, 64) == WEAR_OK);
    CHECK(wear_sos_process(&f, x, 16, y, 16, 32) == WEAR_ERR_SIZE); /* stride < n */
    CHECK(wear_sos_process(&f, x, 32, x + 1, 32, 32) == WEAR_ERR_ALIAS);
    CHECK(wear_sos_process(&f, NULL, 32, y, 32, 32) == WEAR_ERR_NULL);
    CHECK(((unsigned char *)y)[0] == 0x7f);

    wear_resampler r;
    CHECK(wear_resampler_init(&r, bank, 0, 1, 4, 1, state, 64) == WEAR_ERR_ARG);
    CHECK(wear_resampler_init(&r, bank, 1, 2, WEAR_RESAMPLE_MAX_TAPS + 1, 1, state, 64) == WEAR_ERR_ARG);
    CHECK(wear_resampler_init(&r, bank, 1, 2, 8, 10, state, 64) == WEAR_ERR_SIZE); /* needs 70 */
    CHECK(wear_resampler_init(&r, bank, 1, 2, 8, 1, state, 64) == WEAR_OK);
    int n_out = -1;
    CHECK(wear_resampler_process(&r, x, 64, 64, y, 64, 31, &n_out) == WEAR_ERR_SIZE); /* needs 32 */
    CHECK(wear_resampler_process(&r, x, 64, 64, y, 64, 32, NULL) == WEAR_ERR_NULL);
    CHECK(n_out == -1);

    CHECK(wear_normalize(x, 8, y, 8, 1, 8, WEAR_NORM_ROBUST, 1e-8f, NULL, 0) == WEAR_ERR_NULL);
    CHECK(wear_normalize(x, 8, y, 8, 1, 8, WEAR_NORM_ROBUST, 1e-8f, state, 4) == WEAR_ERR_SIZE);
    CHECK(wear_normalize(x, 8, y, 8, 1, 0, WEAR_NORM_ZSCORE, 1e-8f, NULL, 0) == WEAR_ERR_SIZE);
    CHECK(wear_normalize(x, 8, y, 8, 1, 8, 7, 1e-8f, NULL, 0) == WEAR_ERR_ARG);
    CHECK(wear_normalize(x, 8, y, 8, 1, 8, WEAR_NORM_ZSCORE, -1.0f, NULL, 0) == WEAR_ERR_ARG);

    wear_quality q;
    CHECK(wear_quality_compute(NULL, 8, 1, 8, 0.0f, &q) == WEAR_ERR_NULL);
    CHECK(wear_quality_compute(x, 8, 1, 8, -1.0f, &q) == WEAR_ERR_ARG);

    wear_preprocess p;
    wear_preprocess_config cfg = {kBandpassSos, 4, NULL, 1, 4, 8, 1, WEAR_NORM_ZSCORE, 1e-8f};
    CHECK(wear_preprocess_init(&p, &cfg, sstate, 64, state, 64) == WEAR_ERR_NULL); /* bank missing */
    cfg.bank = bank;
    cfg.norm = 5;
    CHECK(wear_preprocess_init(&p, &cfg, sstate, 8, state, 64) == WEAR_ERR_ARG);
    cfg.norm = WEAR_NORM_ROBUST;
    CHECK(wear_preprocess_init(&p, &cfg, sstate, 8, state, 64) == WEAR_OK);
    CHECK(wear_preprocess_scratch_len(&cfg, 64) == 16);
    CHECK(wear_preprocess_process(&p, x, 64, 64, y, 64, 16, &n_out, NULL, 0) == WEAR_ERR_NULL);
    CHECK(wear_preprocess_process(&p, x, 64, 64, y, 64, 15, &n_out, state, 64) == WEAR_ERR_SIZE);

    CHECK(strncmp(wear_status_str(WEAR_ERR_SIZE), "WEAR_ERR_SIZE", 13) == 0);
    CHECK(strcmp(wear_version(), "0.1.0") == 0);
    TEST_MAIN_END();
}
