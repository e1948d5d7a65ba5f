from qitong.cli import main

main()
