"""Exchange (报送与汇总): the signed USB package between a county and the municipal bureau (`packages`,
county export and city import/aggregation) and removable drives (`drives`).

May import: every area except `demo`.
"""
