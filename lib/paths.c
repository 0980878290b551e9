/*
 * paths: XDG base directories and the AFMTS_* overrides.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

char *
paths_data_dir(void)
{
	const char *d = env("AFMTS_DATADIR");

	return strdup(d != NULL ? d : AFMTS_DATADIR);
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
