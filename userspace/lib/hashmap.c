// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* primetrace: the hash map of every layer (see hashmap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

__u64 pt_map_mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

__u64 pt_map_key2(__u64 a, __u64 b)
{
	return pt_map_mix64(a ^ pt_map_mix64(b + 0x9e3779b97f4a7c15ULL)) | 1;
}

/* where key's probe sequence starts in a table of cap slots */
static size_t home(const struct pt_map *map, __u64 key, size_t cap)
{
	__u64 h = map->ops && map->ops->hash ? map->ops->hash(key) : pt_map_mix64(key);

	return h & (cap - 1);
}

static void *slots_alloc(const struct pt_map *map, size_t cap)
{
	const struct pt_map_ops *o = map->ops;

	if (o && o->alloc)
		return o->alloc(o->ctx, cap, sizeof(struct pt_map_slot));
	return calloc(cap, sizeof(struct pt_map_slot));
}

static void slots_free(const struct pt_map *map, void *p, size_t cap)
{
	const struct pt_map_ops *o = map->ops;

	if (!p)
		return;
	if (o && o->free)
		o->free(o->ctx, p, cap * sizeof(struct pt_map_slot));
	else
		free(p);
}

/* the slot holding key, or the empty slot that ends its probe sequence */
static struct pt_map_slot *find(const struct pt_map *map, __u64 key)
{
	size_t mask = map->cap - 1, i;

	for (i = home(map, key, map->cap); map->slots[i].key; i = (i + 1) & mask)
		if (map->slots[i].key == key)
			break;
	return &map->slots[i];
}

void *pt_map_get(const struct pt_map *map, __u64 key)
{
	if (!map->cap || !key)
		return NULL;
	return find(map, key)->val;
}

/* twice the slots (64 at first), every entry moved to its place there */
static int grow(struct pt_map *map)
{
	size_t cap = map->cap ? map->cap * 2 : 64;
	struct pt_map_slot *slots = slots_alloc(map, cap);

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < map->cap; i++) {
		size_t j;

		if (!map->slots[i].key)
			continue;
		for (j = home(map, map->slots[i].key, cap); slots[j].key; j = (j + 1) & (cap - 1))
			;
		slots[j] = map->slots[i];
	}
	slots_free(map, map->slots, map->cap);
	map->slots = slots;
	map->cap = cap;
	return 0;
}

int pt_map_put(struct pt_map *map, __u64 key, void *val)
{
	struct pt_map_slot *s;

	if (!key || !val)
		return -EINVAL;
	/* at most three quarters full, so that probe sequences stay short */
	if ((map->n + 1) * 4 > map->cap * 3 && grow(map))
		return -ENOMEM;
	s = find(map, key);
	if (!s->key) {
		s->key = key;
		map->n++;
	}
	s->val = val;
	return 0;
}

void pt_map_del(struct pt_map *map, __u64 key)
{
	size_t i, j, mask = map->cap - 1;
	struct pt_map_slot *s;

	if (!map->cap || !key)
		return;
	s = find(map, key);
	if (!s->key)
		return;
	s->key = 0;
	s->val = NULL;
	map->n--;
	/*
	 * The entries after the hole up to the next empty slot were placed
	 * by probing past it: each one whose home is not cyclically in
	 * (hole, its slot] moves back into the hole, which moves to where
	 * it was.
	 */
	i = s - map->slots;
	for (j = (i + 1) & mask; map->slots[j].key; j = (j + 1) & mask) {
		size_t h = home(map, map->slots[j].key, map->cap);

		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		map->slots[i] = map->slots[j];
		map->slots[j].key = 0;
		map->slots[j].val = NULL;
		i = j;
	}
}

void pt_map_release(struct pt_map *map)
{
	slots_free(map, map->slots, map->cap);
	map->slots = NULL;
	map->cap = 0;
	map->n = 0;
}

size_t pt_map_bytes(const struct pt_map *map)
{
	return map->cap * sizeof(struct pt_map_slot);
}

void **pt_map_values(const struct pt_map *map, size_t *n)
{
	void **v = malloc((map->n ? map->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	pt_map_for_each(map, s) v[(*n)++] = s->val;
	return v;
}
