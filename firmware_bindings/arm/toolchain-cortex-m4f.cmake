# Cross-compilation for an ARM Cortex-M4F (Debian: gcc-arm-none-eabi + libnewlib-arm-none-eabi).
#   cmake -S . -B build-m4 -DCMAKE_TOOLCHAIN_FILE=firmware_bindings/arm/toolchain-cortex-m4f.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(WEARSDK_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${WEARSDK_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${WEARSDK_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${WEARSDK_CPU_FLAGS} -Wl,--gc-sections")
# The M4F FPU is single precision: float filter state, one channel per "lane" (scalar registers),
# small blocks and steps so the stack and work buffers fit beside a 60 s window in 64 KB of RAM.
add_compile_definitions(WEAR_SOS_STATE_DOUBLE=0 WEAR_LANES=1 WEAR_BLOCK=32 WEAR_PIPELINE_STEP=16
                        WEAR_RESAMPLE_MAX_TAPS=96)
