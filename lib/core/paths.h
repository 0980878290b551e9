/*
 * paths: where AFMTS finds its data and keeps its state.
 *
 *   data dir    $AFMTS_DATADIR, else found beside the program (ROOT/bin/prog:
 *               ROOT/share/afmts installed, ROOT in a source tree), else the
 *               compiled-in DATADIR (PREFIX/share/afmts): parsers/, sql/,
 *               reports/ as shipped.
 *   config dir  $AFMTS_CONFIG, else $XDG_CONFIG_HOME/afmts, else ~/.config/afmts:
 *               the user's own providers/ and dialects/, which win by name.
 *   state dir   $XDG_STATE_HOME/afmts, else ~/.local/state/afmts: catalog, caches.
 *   catalog     --db, else $AFMTS_DB, else STATE/catalog.db.
 *
 * Every function returns a string the caller frees, or NULL when out of
 * memory or when no directory can be named (no HOME).
 */
#ifndef AFMTS_PATHS_H
#define AFMTS_PATHS_H

char *paths_data_dir(void);
char *paths_config_dir(void);
char *paths_state_dir(void);
char *paths_db(const char *option);

/* paths_db, saying on stderr how to set one when there is none (exit CLI_USAGE). */
char *paths_catalog(const char *option);

/* "a/b", with no doubled slash. */
char *paths_join(const char *a, const char *b);

/* mkdir -p with mode 0700.  0, or -1 with errno set. */
int paths_mkdirs(const char *dir);

#endif
