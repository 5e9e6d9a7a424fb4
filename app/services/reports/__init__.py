"""Reports: the quarterly statistics (`statistics`), the annual report and the 首页 dashboard.

May import: `foundation`, `pools`, `rules`, `draw`, `outcomes`.
"""
