/* See raw_walk.c. */
#ifndef PGWARDEN_BENCH_RAW_WALK_H
#define PGWARDEN_BENCH_RAW_WALK_H
#ifdef __cplusplus
extern "C" {
#endif
/* Parses `sql` into PostgreSQL's raw nodes and walks every node; returns a count of what it saw. */
long pgwarden_bench_raw_walk(const char* sql);
#ifdef __cplusplus
}
#endif
#endif
