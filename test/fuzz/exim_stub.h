/* exim_stub.h - what fuzz_plandata sets in test/fuzz/exim_stub.c. */
#ifndef AA_EXIM_STUB_H
#define AA_EXIM_STUB_H

/* time() in the fuzz binary; a plan made at t=1795000000 is fresh */
#define STUB_NOW 1795000100

struct stub_state {
	const char *local_scan_data;	/* $local_scan_data */
	const char *config_path;	/* $acl_m_authalign_config */
};

extern struct stub_state stub;

/* The message's header list: one From field of this value. */
void stub_set_from(const char *value);

/* Free what store_get() handed out (Exim resets its pool per message). */
void stub_store_reset(void);

#endif
