// Written by hashmigrate-astro. Astro's Markdown defaults (CommonMark + GFM, raw HTML kept) are what the
// converted posts are written for; nothing else is needed.
import { defineConfig } from 'astro/config';

export default defineConfig({});
