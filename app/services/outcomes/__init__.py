"""Outcomes (检查结果) and publication (一公开): results of each drawn object's inspection, review,
publication batches and notices, the printed 检查通知书 (`forms`) and working-day deadlines (`workdays`).

May import: `foundation`, `pools`, `rules`, `draw`.
"""
