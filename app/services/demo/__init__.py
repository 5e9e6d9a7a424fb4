"""演示数据: a realistic synthetic county for `ssj demo`.

May import: every area.
"""
