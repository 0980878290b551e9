/*
 * fuzz: what every harness of test/fuzz shares.
 *
 * A harness defines LLVMFuzzerInitialize (once per process) and
 * LLVMFuzzerTestOneInput (once per input), as libFuzzer calls them; replay.c
 * calls the same two over saved inputs, so that make check replays the
 * corpora with the ordinary compiler.  A harness frees what it allocates
 * (LeakSanitizer runs under libFuzzer) and aborts on a finding.
 */
#ifndef AFMTS_FUZZ_H
#define AFMTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The sanitizers' own report line ("SUMMARY: ..."), which reaches the log
 * even when libFuzzer has closed the harness's stderr (-close_fd_mask);
 * without sanitizers it is absent and stderr is used.
 */
void __sanitizer_report_error_summary(const char *summary) __attribute__((weak));

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s:%d: fuzz check failed: %s", file, line, what);
	if (__sanitizer_report_error_summary != NULL)
		__sanitizer_report_error_summary(msg);
	else
		fprintf(stderr, "%s\n", msg);
	abort();
}

/* A property that must hold for every input: when it does not, that is a finding. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) \
		fuzz_fail(__FILE__, __LINE__, #cond); \
} while (0)

#endif
