#ifndef PODLAB_CSECCOMP_SHIM_H
#define PODLAB_CSECCOMP_SHIM_H
#include <seccomp.h>

/* Action macros do not import into Swift. */
static inline uint32_t podlab_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t podlab_scmp_act_errno(uint32_t error) { return SCMP_ACT_ERRNO(error); }
static inline uint32_t podlab_scmp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
static inline uint32_t podlab_scmp_act_kill_thread(void) { return SCMP_ACT_KILL_THREAD; }
static inline uint32_t podlab_scmp_act_trap(void) { return SCMP_ACT_TRAP; }
static inline uint32_t podlab_scmp_act_log(void) { return SCMP_ACT_LOG; }
#endif
