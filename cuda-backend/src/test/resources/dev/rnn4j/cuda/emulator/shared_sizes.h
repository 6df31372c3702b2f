/*
 * Each kernel's static shared memory as nvcc reports it (CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES): the LOCAL arrays
 * cells.c declares, from its own macros; the generated kernel table includes this after cells.c and takes 0 for
 * every kernel not named here.
 */
#define STATIC_SHARED_recurrent_forward ((int) sizeof(float) * STEP_MAX_BATCH * STEP_ROW_STRIDE)
#define STATIC_SHARED_recurrent_sequence ((int) sizeof(float) * STEP_MAX_BATCH * STEP_ROW_STRIDE)
#define STATIC_SHARED_gemm_tiled ((int) sizeof(float) * 2 * GEMM_DEPTH * (GEMM_BLOCK + 1))
