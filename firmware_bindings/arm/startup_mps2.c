/* Minimal Cortex-M4F start-up for QEMU's mps2-an386: vector table, .data/.bss set-up, FPU on,
   semihosting I/O (newlib rdimon), then main(); exit() reports through semihosting. */
#include <stdint.h>
#include <stdlib.h>

extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;

void Reset_Handler(void);
void _init(void) {} /* no crti/crtn with -nostartfiles; constructors run from __libc_init_array */
void _fini(void) {}
static void Fault_Handler(void) { exit(3); }

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &_stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
};

void Reset_Handler(void) {
    for (uint32_t *src = &_data_load, *dst = &_data_start; dst < &_data_end;) *dst++ = *src++;
    for (uint32_t *dst = &_bss_start; dst < &_bss_end;) *dst++ = 0;
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20; /* CPACR: full access to CP10/CP11 (the FPU) */
    __asm volatile("dsb\n isb");
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}
