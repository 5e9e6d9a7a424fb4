"""双随机抽查工作台 (ssj): offline workbench for 双随机、一公开 supervision."""

__version__ = "0.1.0"
APP_NAME = "双随机抽查工作台"
APP_ID = "ssj"
