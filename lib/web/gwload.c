/*
 * gwload: busy slots in a shared mapping, one a worker process.
 */
#define _DEFAULT_SOURCE	/* MAP_ANONYMOUS */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fastcgi.h"
#include "gwload.h"

struct slot {
	atomic_int	 pid;		/* the worker holding it, 0 for none */
	atomic_int	 busy;
};

/* One more than the workers: a replacement may start before the dead one's slot is seen free. */
#define SLOTS (FASTCGI_MAX_WORKERS + 1)

static struct slot *slots;
static struct slot *mine;

int
gwload_init(void)
{
	void *p = mmap(NULL, SLOTS * sizeof *slots, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	slots = p;	/* zero-filled: every slot free */
	return 0;
}

static int
gone(int pid)
{
	return pid != 0 && kill(pid, 0) == -1 && errno == ESRCH;
}

/* This process's slot, claimed on first use; NULL when none is free. */
static struct slot *
claim(void)
{
	int self = (int)getpid();

	if (mine != NULL && atomic_load(&mine->pid) == self)
		return mine;
	mine = NULL;
	for (int i = 0; i < SLOTS && mine == NULL; i++) {
		int was = atomic_load(&slots[i].pid);

		if ((was == 0 || gone(was)) &&
		    atomic_compare_exchange_strong(&slots[i].pid, &was, self))
			mine = &slots[i];
	}
	return mine;
}

void
gwload_begin(void)
{
	struct slot *s;

	if (slots != NULL && (s = claim()) != NULL)
		atomic_store(&s->busy, 1);
}

void
gwload_end(void)
{
	if (slots != NULL && mine != NULL)
		atomic_store(&mine->busy, 0);
}

void
gwload_figures(struct metrics_load *load)
{
	long n = 0;

	load->in_flight = -1;
	load->waiting = -1;
	if (slots == NULL)
		return;
	for (int i = 0; i < SLOTS; i++) {
		int pid = atomic_load(&slots[i].pid);

		if (pid != 0 && atomic_load(&slots[i].busy) && !gone(pid))
			n++;
	}
	load->in_flight = n;
}
