"""The Markdown (Obsidian-style) vault connector."""
