from hashmigrate.cli import main

main()
