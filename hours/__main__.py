from hours.cli import main

main()
