/*
 * paths: XDG base directories and the AFMTS_* overrides.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "paths.h"

#ifndef AFMTS_DATADIR
#define AFMTS_DATADIR "/usr/local/share/afmts"
#endif

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

char *
paths_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s;

	while (la > 1 && a[la - 1] == '/')
		la--;
	if ((s = malloc(la + lb + 2)) == NULL)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* $XDG_var/afmts, else $HOME/fallback/afmts. */
static char *
xdg_dir(const char *var, const char *fallback)
{
	const char *base = env(var), *home;
	char *dir, *s;

	if (base != NULL && base[0] == '/')
		return paths_join(base, "afmts");
	if ((home = env("HOME")) == NULL)
		return NULL;
	if ((dir = paths_join(home, fallback)) == NULL)
		return NULL;
	s = paths_join(dir, "afmts");
	free(dir);
	return s;
}

/* Whether dir holds AFMTS's data: its parsers and its schema. */
static int
is_data_dir(const char *dir)
{
	static const char *const marks[] = { "parsers/prelude.jq", "sql/001-catalog.sql" };
	size_t i;

	for (i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		char *path = paths_join(dir, marks[i]);
		int ok = path != NULL && access(path, R_OK) == 0;

		free(path);
		if (!ok)
			return 0;
	}
	return 1;
}

/*
 * The data beside the running program, found from /proc/self/exe so that a
 * tree installed with any PREFIX, or moved after installing, finds its own:
 * ROOT/bin/prog uses ROOT/share/afmts when installed, ROOT itself in a
 * source tree.  NULL when neither holds AFMTS's data.
 */
static char *
exe_data_dir(void)
{
	static const char *const layouts[] = { "share/afmts", "." };
	char exe[PATH_MAX], *slash, *dir;
	ssize_t n;
	size_t i;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return NULL;
	exe[n] = '\0';
	/* Two components up: the program's name, then bin/. */
	for (i = 0; i < 2; i++) {
		if ((slash = strrchr(exe, '/')) == NULL)
			return NULL;
		*slash = '\0';
	}
	if (exe[0] == '\0')
		strcpy(exe, "/");
	for (i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		if (strcmp(layouts[i], ".") == 0)
			dir = strdup(exe);
		else
			dir = paths_join(exe, layouts[i]);
		if (dir == NULL || is_data_dir(dir))
			return dir;
		free(dir);
	}
	return NULL;
}

char *
paths_data_dir(void)
{
	const char *d = env("AFMTS_DATADIR");
	char *beside;

	if (d != NULL)
		return strdup(d);
	if ((beside = exe_data_dir()) != NULL)
		return beside;
	return strdup(AFMTS_DATADIR);
}

char *
paths_config_dir(void)
{
	const char *d = env("AFMTS_CONFIG");

	return d != NULL ? strdup(d) : xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *
paths_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

char *
paths_db(const char *option)
{
	const char *d = option != NULL && *option != '\0' ? option : env("AFMTS_DB");
	char *state, *db;

	if (d != NULL)
		return strdup(d);
	if ((state = paths_state_dir()) == NULL)
		return NULL;
	db = paths_join(state, "catalog.db");
	free(state);
	return db;
}

int
paths_mkdirs(const char *path)
{
	char *dir = strdup(path), *p;
	int rc = 0;

	if (dir == NULL)
		return -1;
	for (p = dir + 1; rc == 0 && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(dir, 0700) == -1 && errno != EEXIST)
		rc = -1;
	free(dir);
	return rc;
}

char *
paths_catalog(const char *option)
{
	char *path = paths_db(option);

	if (path == NULL)
		err_warn("no catalog path: set --db, AFMTS_DB or HOME");
	return path;
}
