/*
 * files.h - the scenario files a run is given: files as named, and under
 * each directory the *.lua, *.yaml, *.yml and *.smtp files, recursively,
 * in name order, hidden entries skipped; then --shard K/N keeps every Nth
 * from the Kth.
 */
#ifndef SMTPRUN_FILES_H
#define SMTPRUN_FILES_H

#include <stddef.h>

struct files {
	char	**v;
	size_t	 n, cap;
};

/* Collects from paths[0..n) into f (empty at first). A missing file is
 * kept (it is reported when it runs). Returns 0, or -1 when a directory
 * could not be read or memory ran out (said on stderr; the rest is kept). */
int	files_collect(struct files *f, char **paths, int n);
/* Keeps every nth file from the kth (1 <= k <= n). */
void	files_shard(struct files *f, int k, int n);
void	files_free(struct files *f);

#endif
