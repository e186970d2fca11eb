"""filmchat: offline, citation-first semantic search chat over a folder of articles.

Pipeline, one module per stage (dependencies point one way):
corpus -> chunking -> embedding -> index -> search -> answer -> cli / ui
"""

__version__ = "0.1.0"
