// Written by hashmigrate-astro: the "__COLLECTION__" collection the converted Hashnode posts belong to.
// Each post is src/content/__COLLECTION__/<slug>.md; its front matter `slug` is the entry's id.
import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

const posts = defineCollection({
  loader: glob({ base: './src/content/__COLLECTION__', pattern: '**/*.md' }),
  schema: z.object({
    title: z.string(),
    description: z.string().optional(),
    pubDate: z.coerce.date(),
    updatedDate: z.coerce.date().optional(),
    // A URL, or a path under public/ when images were downloaded (--download-images).
    heroImage: z.string().optional(),
    ogImage: z.string().optional(),
    tags: z.array(z.string()).default([]),
    draft: z.boolean().default(false),
    canonicalURL: z.string().url().optional(),
    series: z.string().optional(),
    hashnode: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const collections = { '__COLLECTION__': posts };
