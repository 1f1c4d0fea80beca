/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A map from non-zero u64 keys to non-NULL pointers: open addressing with
 * linear probing in one array of slots, a power of two long, grown (doubled)
 * before it is three quarters full; deletion shifts the entries after the
 * hole back into it, so there are no tombstones and a lookup stops at the
 * first empty slot. Key 0 marks an empty slot and is never stored.
 *
 * Two things are the user's to choose, in struct pt_map_ops:
 * - the hash of a key (default pt_map_mix64): what decides where a key
 *   lives, so also the order pt_map_for_each visits the entries in;
 * - where the slot arrays come from (default calloc/free), so that an
 *   owner can count its memory exactly: every array the map allocates or
 *   frees goes through these two with its size in bytes.
 *
 * A key made of two values (pt_map_key2) can collide with another pair:
 * whoever uses one checks that the value found is the one it asked for.
 */
#ifndef PT_HASHMAP_H
#define PT_HASHMAP_H

#include <stddef.h>
#include <stdlib.h> /* free(), for pt_map_for_each_safe */
#include <linux/types.h>

struct pt_map_ops {
	__u64 (*hash)(__u64 key);			  /* NULL: pt_map_mix64 */
	void *(*alloc)(void *ctx, size_t n, size_t size); /* zeroed; NULL: calloc */
	void (*free)(void *ctx, void *p, size_t bytes);	  /* NULL: free */
	void *ctx;
};

struct pt_map_slot {
	__u64 key; /* 0: empty */
	void *val;
};

struct pt_map {
	struct pt_map_slot *slots;
	size_t cap;		      /* a power of two, or 0 before the first put */
	size_t n;		      /* entries */
	const struct pt_map_ops *ops; /* NULL: the defaults */
};

/* An empty map: PT_MAP_INIT(NULL) or with the owner's ops. */
#define PT_MAP_INIT(o) ((struct pt_map){ .ops = (o) })

/* The default hash: a 64-bit finaliser, every input bit moves every output bit. */
__u64 pt_map_mix64(__u64 x);
/* Two values as one non-zero key (different pairs may collide, see above). */
__u64 pt_map_key2(__u64 a, __u64 b);

/* The value of key, or NULL when it is not there (or is 0). */
void *pt_map_get(const struct pt_map *map, __u64 key);
/*
 * Set key's value, replacing any. -EINVAL for key 0 or a NULL value,
 * -ENOMEM when the map had to grow and could not (it is unchanged then).
 */
int pt_map_put(struct pt_map *map, __u64 key, void *val);
/* Remove key (nothing when it is not there). */
void pt_map_del(struct pt_map *map, __u64 key);
/* Free the slots (not the values): the map is empty again, ops kept. */
void pt_map_release(struct pt_map *map);
/* Bytes of the slot array: what the map holds through ops->alloc. */
size_t pt_map_bytes(const struct pt_map *map);

/*
 * The values, copied into a malloc()ed array of *n (never counted through
 * ops): for loops that change the map. NULL when out of memory.
 */
void **pt_map_values(const struct pt_map *map, size_t *n);

/* Each slot s (a struct pt_map_slot *) in use, in slot order. The body must
 * not put or delete; use pt_map_for_each_safe for that. */
#define pt_map_for_each(map, s)                                                             \
	for (struct pt_map_slot *s = (map)->slots; s && s < (map)->slots + (map)->cap; s++) \
		if (s->key)

/* Each value as var (of type *), over a copy taken first: the body may
 * delete from the map and free the value. Nothing when out of memory. */
#define pt_map_for_each_safe(map, type, var)                                         \
	for (size_t _n, _i = 0, _once = 1; _once; _once = 0)                         \
		for (void **_v = pt_map_values((map), &_n); _v; free(_v), _v = NULL) \
			for (type * var; _i < _n && ((var = _v[_i]), 1); _i++)

#endif
