/* Unit tests of lib/core/paths.c. */
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "unit.h"

static int
is(char *got, const char *want)
{
	int same = got != NULL && strcmp(got, want) == 0;

	free(got);
	return same;
}

void
test_paths_follow_xdg_and_overrides(void)
{
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("AFMTS_CONFIG");
	unsetenv("AFMTS_DB");
	CHECK(is(paths_config_dir(), "/home/u/.config/afmts"));
	CHECK(is(paths_state_dir(), "/home/u/.local/state/afmts"));
	CHECK(is(paths_db(NULL), "/home/u/.local/state/afmts/catalog.db"));
	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	setenv("XDG_STATE_HOME", "/x/state/", 1);
	CHECK(is(paths_config_dir(), "/x/conf/afmts"));
	CHECK(is(paths_db(NULL), "/x/state/afmts/catalog.db"));
	/* A relative XDG directory is invalid by the spec and ignored. */
	setenv("XDG_STATE_HOME", "rel", 1);
	CHECK(is(paths_state_dir(), "/home/u/.local/state/afmts"));
	setenv("AFMTS_CONFIG", "/etc/afmts", 1);
	setenv("AFMTS_DB", "/tmp/c.db", 1);
	CHECK(is(paths_config_dir(), "/etc/afmts"));
	CHECK(is(paths_db(NULL), "/tmp/c.db"));
	CHECK(is(paths_db("/opt/x.db"), "/opt/x.db"));
	setenv("AFMTS_DATADIR", "/src/afmts", 1);
	CHECK(is(paths_data_dir(), "/src/afmts"));
	CHECK(is(paths_join("/a//", "b"), "/a/b"));
	unsetenv("AFMTS_CONFIG");
	unsetenv("AFMTS_DB");
	unsetenv("AFMTS_DATADIR");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	CHECK(paths_state_dir() == NULL);
}
