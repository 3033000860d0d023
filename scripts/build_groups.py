# ruff: noqa: E501  (data tables read better unwrapped)
"""Generate ``civility/data/groups.json``, the group lexicon read by ``civility.groups``.

Run ``python scripts/build_groups.py`` after editing the tables below; the runtime reads only the
JSON. Nationalities come from one row per state (all 193 UN members plus common others), and the
people-noun plurals are derived by rule, so coverage does not depend on which countries happen to
appear in an example. Hand-written tables below add ethnicities, religions, race, gender, sexual
orientation, disability, migrants and age, with slurs and derogatory terms per group.

Term flags (see ``civility/groups.py`` for how they are used at run time):
  people / adjective / country   the kind of reference a term makes;
  slur                           a slur or derogatory nickname: naming a group this way targets it;
  derogatory                     a pejorative exonym ("gypsies", "mulattos"): reported, not by itself
                                 a target;
  ambiguous                      a word with a common non-group meaning ("turkey", "polish",
                                 "china", "turds") that counts only with a second cue.

``group_cues`` (from ``GROUP_CUES``) are words that tie a group's ambiguous slurs to it when they
share a sentence: "she" makes "bitch" name women; "you bitch" alone names no group.
"""

from __future__ import annotations

import json
from pathlib import Path

# fmt: off
# Row: "country names; ...|adjectives; ...|person nouns (singular); ...|Canonical plural|extra
# people-plural variants; ...".  Empty person nouns => the adjective doubles as the person noun.
COUNTRIES = """
afghanistan|afghan|afghan|Afghans|afghanis
albania|albanian|albanian|Albanians|
algeria|algerian|algerian|Algerians|
andorra|andorran|andorran|Andorrans|
angola|angolan|angolan|Angolans|
antigua and barbuda;antigua|antiguan;barbudan|antiguan;barbudan|Antiguans and Barbudans|
argentina|argentine;argentinian;argentinean|argentine;argentinian;argentinean|Argentines|
armenia|armenian|armenian|Armenians|
australia|australian|australian|Australians|aussies;ozzies
austria|austrian|austrian|Austrians|
azerbaijan;azerbaidjan;azerbaydzhan|azerbaijani;azeri;azerbaijanian|azerbaijani;azeri;azerbaijanian|Azerbaijanis|
bahamas;the bahamas|bahamian|bahamian|Bahamians|
bahrain|bahraini|bahraini|Bahrainis|
bangladesh|bangladeshi|bangladeshi|Bangladeshis|
barbados|barbadian;bajan|barbadian;bajan|Barbadians|
belarus;byelorussia|belarusian;belarusan;byelorussian|belarusian;belarusan;byelorussian|Belarusians|
belgium|belgian|belgian|Belgians|
belize|belizean|belizean|Belizeans|
benin|beninese|beninese|Beninese|
bhutan|bhutanese|bhutanese|Bhutanese|
bolivia|bolivian|bolivian|Bolivians|
bosnia and herzegovina;bosnia-herzegovina;bosnia|bosnian;herzegovinian|bosnian;herzegovinian|Bosnians|
botswana|botswanan;motswana;batswana|motswana;botswanan|Batswana|
brazil|brazilian|brazilian|Brazilians|
brunei;brunei darussalam|bruneian|bruneian|Bruneians|
bulgaria|bulgarian|bulgarian|Bulgarians|
burkina faso|burkinabe;burkinabé|burkinabe|Burkinabes|
burundi|burundian|burundian|Burundians|
cabo verde;cape verde|cabo verdean;cape verdean|cabo verdean;cape verdean|Cabo Verdeans|
cambodia;kampuchea|cambodian;khmer|cambodian|Cambodians|
cameroon|cameroonian|cameroonian|Cameroonians|
canada|canadian|canadian|Canadians|canucks
central african republic|central african|central african|Central Africans|
chad|chadian|chadian|Chadians|
chile|chilean|chilean|Chileans|
china;prc;people's republic of china|chinese;sino|chinaman;chinese|Chinese people|
colombia|colombian;columbian|colombian;columbian|Colombians|
comoros|comoran;comorian|comoran;comorian|Comorians|
congo;republic of the congo;congo-brazzaville|congolese|congolese|Congolese|
democratic republic of the congo;dr congo;drc;zaire;congo-kinshasa|congolese|congolese|Congolese|
costa rica|costa rican|costa rican|Costa Ricans|
cote d'ivoire;côte d'ivoire;ivory coast|ivorian|ivorian|Ivorians|
croatia|croatian;croat|croat;croatian|Croats|
cuba|cuban|cuban|Cubans|
cyprus|cypriot|cypriot|Cypriots|
czechia;czech republic|czech|czech|Czechs|
denmark|danish|dane|Danes|
djibouti|djiboutian|djiboutian|Djiboutians|
dominica|dominican|dominican|Dominicans|
dominican republic|dominican|dominican|Dominicans|
ecuador|ecuadorian;ecuadorean|ecuadorian;ecuadorean|Ecuadorians|
egypt|egyptian|egyptian|Egyptians|
el salvador|salvadoran;salvadorean|salvadoran;salvadorean|Salvadorans|
equatorial guinea|equatorial guinean;equatoguinean|equatorial guinean;equatoguinean|Equatorial Guineans|
eritrea|eritrean|eritrean|Eritreans|
estonia|estonian|estonian|Estonians|
eswatini;swaziland|swazi;eswatini|swazi|Swazis|
ethiopia;abyssinia|ethiopian|ethiopian|Ethiopians|
fiji|fijian|fijian|Fijians|
finland|finnish|finn;finlander|Finns|
france|french|frenchman;frenchwoman|French people|frenchmen;frenchwomen;frenchies
gabon|gabonese|gabonese|Gabonese|
gambia;the gambia|gambian|gambian|Gambians|
georgia;sakartvelo|georgian|georgian|Georgians|
germany|german|german|Germans|
ghana|ghanaian|ghanaian|Ghanaians|
greece;hellas|greek;hellenic|greek|Greeks|
grenada|grenadian|grenadian|Grenadians|
guatemala|guatemalan|guatemalan|Guatemalans|
guinea|guinean|guinean|Guineans|
guinea-bissau;guinea bissau|bissau-guinean|bissau-guinean|Bissau-Guineans|
guyana|guyanese|guyanese|Guyanese|
haiti|haitian|haitian|Haitians|
honduras|honduran|honduran|Hondurans|
hungary|hungarian;magyar|hungarian;magyar|Hungarians|
iceland|icelandic|icelander|Icelanders|
india;bharat;hindustan|indian|indian|Indians|
indonesia|indonesian|indonesian|Indonesians|
iran;persia;islamic republic of iran|iranian;persian|iranian;persian|Iranians|
iraq|iraqi|iraqi|Iraqis|
ireland;eire;republic of ireland|irish|irishman;irishwoman|Irish people|irishmen;irishwomen
israel|israeli|israeli|Israelis|
italy|italian|italian|Italians|
jamaica|jamaican|jamaican|Jamaicans|
japan;nippon|japanese|japanese|Japanese people|
jordan|jordanian|jordanian|Jordanians|
kazakhstan;kazakstan|kazakh;kazakhstani;kazak|kazakh;kazakhstani|Kazakhs|
kenya|kenyan|kenyan|Kenyans|
kiribati|i-kiribati|i-kiribati|I-Kiribati|
kuwait|kuwaiti|kuwaiti|Kuwaitis|
kyrgyzstan;kirghizia|kyrgyz;kirghiz;kyrgyzstani|kyrgyz;kirghiz|Kyrgyz|
laos;lao pdr|lao;laotian|laotian|Laotians|
latvia|latvian;lettish|latvian;lett|Latvians|
lebanon|lebanese|lebanese|Lebanese|
lesotho|basotho;mosotho|mosotho|Basotho|
liberia|liberian|liberian|Liberians|
libya|libyan|libyan|Libyans|
liechtenstein|liechtensteiner|liechtensteiner|Liechtensteiners|
lithuania|lithuanian|lithuanian|Lithuanians|
luxembourg|luxembourgish|luxembourger|Luxembourgers|
madagascar|malagasy;madagascan|malagasy;madagascan|Malagasy|
malawi|malawian|malawian|Malawians|
malaysia|malaysian|malaysian|Malaysians|
maldives|maldivian|maldivian|Maldivians|
mali|malian|malian|Malians|
malta|maltese|maltese|Maltese|
marshall islands|marshallese|marshallese|Marshallese|
mauritania|mauritanian|mauritanian|Mauritanians|
mauritius|mauritian|mauritian|Mauritians|
mexico|mexican|mexican|Mexicans|
micronesia;federated states of micronesia|micronesian|micronesian|Micronesians|
moldova|moldovan;moldavian|moldovan;moldavian|Moldovans|
monaco|monegasque;monacan|monegasque;monacan|Monegasques|
mongolia|mongolian;mongol|mongolian;mongol|Mongolians|
montenegro|montenegrin|montenegrin|Montenegrins|
morocco|moroccan|moroccan|Moroccans|
mozambique|mozambican|mozambican|Mozambicans|
myanmar;burma|burmese;myanma|burmese|Burmese|
namibia|namibian|namibian|Namibians|
nauru|nauruan|nauruan|Nauruans|
nepal|nepali;nepalese|nepali;nepalese|Nepalis|
netherlands;the netherlands;holland|dutch;netherlandish|dutchman;dutchwoman;netherlander;hollander|Dutch people|dutchmen;dutchies
new zealand;aotearoa|new zealand|new zealander;kiwi|New Zealanders|
nicaragua|nicaraguan|nicaraguan|Nicaraguans|
niger|nigerien|nigerien|Nigeriens|
nigeria|nigerian|nigerian|Nigerians|naija
north korea;dprk;democratic people's republic of korea|north korean|north korean|North Koreans|norks
north macedonia;macedonia;fyrom|macedonian|macedonian|Macedonians|
norway|norwegian|norwegian|Norwegians|
oman|omani|omani|Omanis|
pakistan|pakistani|pakistani|Pakistanis|
palau|palauan|palauan|Palauans|
panama|panamanian|panamanian|Panamanians|
papua new guinea;png|papua new guinean;papuan|papua new guinean;papuan|Papua New Guineans|
paraguay|paraguayan|paraguayan|Paraguayans|
peru|peruvian|peruvian|Peruvians|
philippines;the philippines|filipino;philippine;filipina|filipino;filipina;pinoy;pinay|Filipinos|
poland|polish|pole|Poles|
portugal|portuguese;portugese|portuguese;portugese|Portuguese people|
qatar|qatari|qatari|Qataris|
romania;roumania;rumania|romanian;roumanian;rumanian|romanian;roumanian;rumanian|Romanians|
russia;russian federation;rossiya;russland|russian;russain;russan|russian;russain;russki;russky|Russians|
rwanda|rwandan;rwandese|rwandan|Rwandans|
saint kitts and nevis;st kitts and nevis;st. kitts and nevis|kittitian;nevisian|kittitian;nevisian|Kittitians and Nevisians|
saint lucia;st lucia;st. lucia|saint lucian;st lucian|saint lucian|Saint Lucians|
saint vincent and the grenadines;st vincent and the grenadines;st. vincent|vincentian|vincentian|Vincentians|
samoa|samoan|samoan|Samoans|
san marino|sammarinese|sammarinese|Sammarinese|
sao tome and principe;são tomé and príncipe|santomean;sao tomean|santomean;sao tomean|Santomeans|
saudi arabia;ksa|saudi;saudi arabian|saudi;saudi arabian|Saudis|
senegal|senegalese|senegalese|Senegalese|
serbia|serbian;serb|serb;serbian|Serbs|
seychelles|seychellois|seychellois|Seychellois|
sierra leone|sierra leonean|sierra leonean|Sierra Leoneans|
singapore|singaporean|singaporean|Singaporeans|
slovakia|slovak;slovakian|slovak;slovakian|Slovaks|
slovenia|slovenian;slovene|slovene;slovenian|Slovenes|
solomon islands|solomon islander|solomon islander|Solomon Islanders|
somalia|somali;somalian|somali;somalian|Somalis|
south africa;rsa|south african|south african|South Africans|saffers
south korea;republic of korea;korea|south korean;korean|south korean;korean|South Koreans|
south sudan|south sudanese|south sudanese|South Sudanese|
spain;españa|spanish|spaniard|Spaniards|
sri lanka;ceylon|sri lankan;ceylonese|sri lankan|Sri Lankans|
sudan|sudanese|sudanese|Sudanese|
suriname;surinam|surinamese;surinamer|surinamese;surinamer|Surinamese|
sweden|swedish|swede|Swedes|
switzerland|swiss|swiss|Swiss people|
syria|syrian|syrian|Syrians|
tajikistan|tajik;tajikistani;tadjik|tajik;tajikistani|Tajiks|
tanzania|tanzanian|tanzanian|Tanzanians|
thailand;siam|thai;siamese|thai|Thais|
timor-leste;east timor;timor leste|timorese|timorese|Timorese|
togo|togolese|togolese|Togolese|
tonga|tongan|tongan|Tongans|
trinidad and tobago;trinidad|trinidadian;tobagonian;trini|trinidadian;tobagonian;trini|Trinidadians and Tobagonians|
tunisia|tunisian|tunisian|Tunisians|
turkey;türkiye;turkiye;turkei|turkish;turkic turkish|turk|Turks|
turkmenistan|turkmen;turkmenistani|turkmen|Turkmens|
tuvalu|tuvaluan|tuvaluan|Tuvaluans|
uganda|ugandan|ugandan|Ugandans|
ukraine;the ukraine;ukraina|ukrainian;ukranian;ukrainan|ukrainian;ukranian;ukrainan|Ukrainians|
united arab emirates;uae;the emirates|emirati;emirian|emirati|Emiratis|
united kingdom;uk;u.k.;great britain;britain|british;brit|briton;brit;britisher|Britons|britishers
united states;united states of america;usa;u.s.a.;u.s.;america;the states|american;us-american|american;yankee;yank|Americans|
uruguay|uruguayan|uruguayan|Uruguayans|
uzbekistan|uzbek;uzbekistani|uzbek;uzbekistani|Uzbeks|
vanuatu|ni-vanuatu;vanuatuan|ni-vanuatu|Ni-Vanuatu|
venezuela|venezuelan|venezuelan|Venezuelans|
vietnam;viet nam|vietnamese|vietnamese|Vietnamese people|
yemen|yemeni;yemenite|yemeni;yemenite|Yemenis|
zambia|zambian|zambian|Zambians|
zimbabwe|zimbabwean|zimbabwean|Zimbabweans|
"""

# States and territories outside the UN membership that readers write about as nations.
OTHER_TERRITORIES = """
palestine;state of palestine;gaza;west bank|palestinian|palestinian|Palestinians|
taiwan;republic of china;formosa|taiwanese;formosan|taiwanese|Taiwanese people|
kosovo|kosovar;kosovan|kosovar;kosovan|Kosovars|
hong kong|hong kong;hongkongese|hongkonger;hong konger|Hongkongers|
macau;macao|macanese|macanese|Macanese|
vatican;vatican city;holy see|vatican|||
puerto rico|puerto rican|puerto rican|Puerto Ricans|boricuas
greenland|greenlandic|greenlander|Greenlanders|
scotland|scottish;scots|scot;scotsman;scotswoman|Scots|scotsmen
england|english|englishman;englishwoman|English people|englishmen
wales;cymru|welsh|welshman;welshwoman|Welsh people|welshmen
northern ireland;ulster|northern irish|northern irishman|Northern Irish people|
western sahara|sahrawi;sahraoui|sahrawi|Sahrawis|
somaliland|somalilander|somalilander|Somalilanders|
abkhazia|abkhaz;abkhazian|abkhaz;abkhazian|Abkhazians|
northern cyprus;trnc|turkish cypriot|turkish cypriot|Turkish Cypriots|
"""

#: Words whose common non-group meaning dominates; they need a second cue (see groups.py).
AMBIGUOUS = {
    "turkey", "polish", "pole", "poles", "china", "chinaman", "jordan", "chad", "niger",
    "georgia", "georgian", "georgians", "guinea", "chile", "kiwi", "kiwis", "finn", "dane", "danes",
    "danish", "yank", "yanks", "yankee", "yankees", "png", "ksa", "rsa", "sino", "lao", "trini",
    "bajan", "siam", "siamese", "ulster", "holland", "the states", "lett", "letts", "turkei",
    "pinoy", "pinay", "formosa", "saffers", "roma", "natives", "han", "orthodox", "trans",
    "seniors", "fula", "peul", "jain", "jains", "sami", "hun", "ibo", "naija",
    "paralyzed", "paralysed", "foreigner",
}

# Slurs and derogatory nicknames for nationalities: (group, terms, kind).
NATIONALITY_SLURS: list[tuple[str, str, str]] = [
    ("Russians", "ruskies;russkies;ruskie;russkie;ruskis;ruski;rooskies;russkis;vatniks;vatnik;"
                 "moskals;moskal;katsaps;katsap;ruzzians;ruzzian;orks", "people"),
    ("Russians", "ruzzia;mordor;rashka;rashia;russia-stan", "country"),
    ("Ukrainians", "khokhols;khokhol;khokhly;ukrops;ukrop;ukies;ukie;banderites", "people"),
    ("Ukrainians", "ukronazia;ukronazis", "country"),
    ("Turks", "turds;turd;turkroaches", "people"),
    ("Turks", "turdkey;turdistan;turdiye", "country"),
    ("Germans", "krauts;kraut;jerries;huns;boches;boche;fritzes", "people"),
    ("French people", "frogs;froggies;froggy;frogeaters;frog eaters;cheese-eating surrender monkeys",
     "people"),
    ("Britons", "limeys;limey;poms;pommies;pommy;pommie", "people"),
    ("Americans", "gringos;gringo;amerikkkans;amerikkka;murricans;burgerlanders;seppos", "people"),
    ("Americans", "amerikkka;murica;burgerland", "country"),
    ("Japanese people", "japs;jap;nips;nip", "people"),
    ("Chinese people", "chinks;chink;chinamen;ching chongs;chingchongs;chicoms", "people"),
    ("Chinese people", "chyna;chinkland", "country"),
    ("Vietnamese people", "gooks;gook;dinks", "people"),
    ("Pakistanis", "pakis;paki;pakki", "people"),
    ("Indians", "pajeets;pajeet;poojeets;curry munchers;currymunchers;street shitters", "people"),
    ("Italians", "wops;wop;dagos;dago;guineas;ginzos;eyeties", "people"),
    ("Poles", "polacks;polack;polaks;polak", "people"),
    ("Irish people", "micks;paddies", "people"),
    ("Mexicans", "wetbacks;wetback;beaners;beaner", "people"),
    ("Canadians", "canucks;canuck", "people"),
    ("Argentines", "argies;argy", "people"),
    ("Serbs", "serbocetniks;chetniks", "people"),
    ("Croats", "ustashe", "people"),
    ("Israelis", "israhell;isnotreal", "country"),
    ("Palestinians", "palis;fakestinians", "people"),
]

#: Slurs that also have a common innocent meaning; they need a group cue in the same sentence or
#: another mention of the same group anywhere in the comment (e.g. "turds ... fuck turdkey").
AMBIGUOUS_SLURS = {
    "turd", "turds", "huns", "jerries", "frogs", "froggy", "nips", "nip", "micks", "paddies",
    "dinks", "orks", "poms", "guineas", "canucks", "canuck", "argy", "coons", "coon", "spooks",
    "spook", "crackers", "cracker", "mozzies", "mozzie", "queers", "queer", "spazzes", "spaz",
    "cripple", "cripples", "jigs", "slopes", "fairies", "prods", "abo", "flip", "mick", "gringo",
    "gringos", "jocks", "palis", "tards", "mongs", "loonies", "groomers", "boongs", "jap",
    # gendered insults: "a stupid bitch" names women only when the sentence is about a woman
    "bitch", "bitches", "slut", "sluts", "whore", "whores", "skank", "skanks", "hoes",
    "spastic", "codgers",
}

#: Words that tie an ambiguous slur to its group when they share its sentence: "she is a bitch"
#: names women, "you bitch" alone does not.
GROUP_CUES: dict[str, str] = {
    "Women": "she;her;hers;herself;woman;women;girl;girls;lady;ladies;wife;mother;daughter;sister;"
             "girlfriend;female;females;feminist;feminists;mrs;ms;actress;chairwoman;"
             "congresswoman;businesswoman;spokeswoman;policewoman",
    "Disabled people": "wheelchair;wheelchairs;disabled;disability;disabilities;handicapped;"
                       "special needs",
}

#: Cities a threat names when it means the people living there ("flatten Moscow", "bomb Baku to
#: dust"): (group, cities). Only names with no common other meaning.
CITIES: list[tuple[str, str]] = [
    ("Azerbaijanis", "baku;ganja;sumgait;shusha"),
    ("Armenians", "yerevan;gyumri;vanadzor"),
    ("Georgians", "tbilisi;batumi;kutaisi"),
    ("Russians", "moscow;st petersburg;saint petersburg;novosibirsk;yekaterinburg"),
    ("Ukrainians", "kyiv;kiev;kharkiv;kharkov;odesa;odessa;lviv;mariupol;zaporizhzhia;dnipro"),
    ("Turks", "ankara;istanbul;izmir"),
    ("Iranians", "tehran;isfahan;mashhad"),
    ("Belarusians", "minsk"),
    ("Syrians", "damascus;aleppo;homs"),
    ("Iraqis", "baghdad;mosul;basra"),
    ("Lebanese", "beirut"),
    ("Israelis", "tel aviv;haifa"),
    ("Palestinians", "gaza city;ramallah;rafah;khan younis"),
    ("Afghans", "kabul;kandahar"),
    ("Pakistanis", "karachi;islamabad;lahore"),
    ("Indians", "new delhi;delhi;mumbai"),
    ("Chinese people", "beijing;shanghai"),
    ("North Koreans", "pyongyang"),
    ("Nigerians", "lagos;abuja"),
    ("Egyptians", "cairo"),
    ("Saudis", "riyadh"),
    ("Poles", "warsaw"),
    ("Germans", "berlin"),
]

# Non-national groups: name -> (category, people terms, adjective terms, slurs, derogatory).
GROUPS: dict[str, tuple[str, str, str, str, str]] = {
    # ethnicity (a people with its own state is filed under nationality instead, e.g. Armenians)
    "Arabs": ("ethnicity", "arabs;arab;arabas;araps;arabz;arabians;arab people", "arab;arabic;arabian",
              "ragheads;raghead;towelheads;towelhead;sand niggers;sand nigger;camel jockeys;"
              "camel jockey;sandniggers;ayrabs;ayrab;sand monkeys;camel fuckers;camelfuckers", ""),
    "Kurds": ("ethnicity", "kurds;kurd;kurdish people", "kurdish", "", ""),
    "Roma": ("ethnicity", "roma;romani;romany;romanies;roma people;sinti", "romani;romany",
             "gyppos;gyppo;gypos;gypo;gyppies", "gypsies;gypsy;gipsies;gipsy;tziganes;tsiganes"),
    "Irish Travellers": ("ethnicity", "irish travellers;irish travelers;travelling people;pavees",
                         "", "pikeys;pikey", "itinerants"),
    "Hispanics": ("ethnicity", "hispanics;hispanic;latinos;latino;latinas;latina;latinx;latine;"
                  "latin americans;latin american", "hispanic;latino;latina",
                  "spics;spic;spicks;spick;greasers", ""),
    "Africans": ("ethnicity", "africans;african", "african", "", ""),
    "Europeans": ("ethnicity", "europeans;european", "european", "eurotrash;euroweenies", ""),
    "Slavs": ("ethnicity", "slavs;slav;slavic people", "slavic", "", ""),
    "Turkic peoples": ("ethnicity", "turkic peoples;turkic people;turkics", "turkic", "", ""),
    "Pashtuns": ("ethnicity", "pashtuns;pashtun;pathans;pathan;pushtuns;pukhtuns", "pashtun", "", ""),
    "Tamils": ("ethnicity", "tamils;tamil", "tamil", "", ""),
    "Uyghurs": ("ethnicity", "uyghurs;uyghur;uighurs;uighur;uygurs", "uyghur;uighur", "", ""),
    "Rohingya": ("ethnicity", "rohingya;rohingyas", "rohingya", "", ""),
    "Indigenous peoples": ("ethnicity", "indigenous peoples;indigenous people;first nations;"
                           "natives;aboriginal peoples", "indigenous", "", ""),
    "Native Americans": ("ethnicity", "native americans;native american;american indians;"
                         "american indian;amerindians;first nations people",
                         "native american", "redskins;redskin;injuns;injun;prairie niggers",
                         "red indians;red indian;squaws;squaw"),
    "Aboriginal Australians": ("ethnicity", "aboriginal australians;aboriginal australian;"
                               "aboriginals;aboriginal;aborigines;aborigine;indigenous australians",
                               "aboriginal", "abos;abo;boongs;boong", ""),
    "Inuit": ("ethnicity", "inuit;inuits;inuk", "inuit", "", "eskimos;eskimo;eskimoes"),
    "Berbers": ("ethnicity", "berbers;berber;amazigh;imazighen", "berber;amazigh", "", ""),
    "Baloch": ("ethnicity", "baloch;balochs;baluch;baluchis;balochis", "balochi;baluchi", "", ""),
    "Hazaras": ("ethnicity", "hazaras;hazara", "hazara", "", ""),
    "Tatars": ("ethnicity", "tatars;tatar;tartars;crimean tatars", "tatar", "", ""),
    "Chechens": ("ethnicity", "chechens;chechen;nokhchi", "chechen", "", ""),
    "Circassians": ("ethnicity", "circassians;circassian;adyghe", "circassian", "", ""),
    "Assyrians": ("ethnicity", "assyrians;assyrian;chaldeans", "assyrian", "", ""),
    "Tibetans": ("ethnicity", "tibetans;tibetan", "tibetan", "", ""),
    "Han Chinese": ("ethnicity", "han chinese;han people", "han", "", ""),
    "Hmong": ("ethnicity", "hmong", "hmong", "", ""),
    "Maori": ("ethnicity", "maori;maoris;māori", "maori", "", ""),
    "Sami": ("ethnicity", "sami;saami;sámi", "sami", "", "lapps;laplanders"),
    "Basques": ("ethnicity", "basques;basque people", "basque", "", ""),
    "Catalans": ("ethnicity", "catalans;catalan people", "catalan", "", ""),
    "Afrikaners": ("ethnicity", "afrikaners;afrikaner;boers;boer", "afrikaner", "", ""),
    "Zulu": ("ethnicity", "zulus;zulu", "zulu", "", ""),
    "Hutus": ("ethnicity", "hutus;hutu", "hutu", "", ""),
    "Tutsis": ("ethnicity", "tutsis;tutsi", "tutsi", "inyenzi", ""),
    "Igbo": ("ethnicity", "igbo;igbos;ibo", "igbo", "", ""),
    "Yoruba": ("ethnicity", "yoruba;yorubas", "yoruba", "", ""),
    "Hausa": ("ethnicity", "hausa;hausas", "hausa", "", ""),
    "Fulani": ("ethnicity", "fulani;fula;peul", "fulani", "", ""),
    "Punjabis": ("ethnicity", "punjabis;punjabi", "punjabi", "", ""),
    "Bengalis": ("ethnicity", "bengalis;bengali", "bengali", "", ""),
    "Sindhis": ("ethnicity", "sindhis;sindhi", "sindhi", "", ""),
    "Bedouins": ("ethnicity", "bedouins;bedouin;bedu", "bedouin", "", ""),
    "Middle Easterners": ("ethnicity", "middle easterners;middle eastern people", "middle eastern",
                          "", ""),
    "South Asians": ("ethnicity", "south asians;south asian", "south asian", "", ""),
    "East Asians": ("ethnicity", "east asians;east asian", "east asian", "", ""),
    "Mestizos": ("ethnicity", "mestizos;mestizo", "mestizo", "", ""),
    # race
    "Black people": ("race", "black people;blacks;black folks;black folk;black men;black women;"
                     "black americans;black community;african americans;african american;"
                     "african-americans;african-american;afro-americans;people of color;poc",
                     "african-american",
                     "niggers;nigger;niggas;nigga;niggaz;nigguh;niggers;negroids;coons;coon;"
                     "jigaboos;jigaboo;darkies;darkie;darky;sambos;sambo;porch monkeys;"
                     "jungle bunnies;spooks;spook;spearchuckers;groids;nigs;niglets;moon crickets;"
                     "sheboons;dindus;kneegrows;jigs;shitskins",
                     "negroes;negro;coloreds;coloured people;colored people"),
    "White people": ("race", "white people;whites;white folks;white folk;white men;white women;"
                     "caucasians;caucasian;white americans;white community", "caucasian",
                     "honkies;honky;honkeys;whiteys;whitey;crackers;cracker;gweilos;gweilo;"
                     "crackas;wypipo", ""),
    "Asians": ("race", "asians;asian;asian people;asian americans;asian-americans", "asian",
               "slant-eyes;slanteyes;slants;slopes;slope;zipperheads;zipperhead;yellow people",
               "orientals;oriental"),
    "Mixed-race people": ("race", "mixed-race people;mixed race people;mixed-race;biracial people;"
                          "multiracial people;biracial;multiracial", "mixed-race;biracial",
                          "half-breeds;half-breed;halfbreeds;halfbreed",
                          "mulattos;mulatto;mulattoes;half-castes;half-caste;halfcastes;quadroons"),
    # religion
    "Muslims": ("religion", "muslims;muslim;muslimes;muslime;moslems;moslem;moslims;moslim;"
                "mussulmans;mohammedans;mohammedan;islam;ummah;muslim people",
                "islamic;muslim",
                "muzzies;muzzie;mozzies;mozzie;muzrats;muzzrats;mudslimes;mudslime;moslimes;"
                "goat fuckers;goatfuckers;goat humpers;koranimals;muzzle-ims;mussies;"
                "islamonazis;pisslam;izlam", ""),
    "Christians": ("religion", "christians;christian;christianity;christendom", "christian",
                   "christards;xtians",
                   "god botherers;god-botherers;bible thumpers;bible-thumpers"),
    "Catholics": ("religion", "catholics;catholic;catholicism;roman catholics", "catholic",
                  "papists;papist;fenians;taigs;mackerel snappers", ""),
    "Protestants": ("religion", "protestants;protestant", "protestant", "prods;orange bastards",
                    ""),
    "Orthodox Christians": ("religion", "orthodox christians;orthodox christian", "orthodox", "", ""),
    "Evangelicals": ("religion", "evangelicals;evangelical christians", "evangelical", "", ""),
    "Mormons": ("religion", "mormons;mormon;latter-day saints", "mormon", "", ""),
    "Jehovah's Witnesses": ("religion", "jehovah's witnesses;jehovahs witnesses;jehovah's witness",
                            "", "", ""),
    "Jews": ("religion", "jews;jew;jewish people;jewry;judaism;jewish community;hebrews",
             "jewish;judaic",
             "kikes;kike;yids;yid;hebes;hebe;heebs;heeb;sheenies;jewboys;jewboy;zhids;zhid;"
             "shylocks;christ killers;oven dodgers;khazars", ""),
    "Hindus": ("religion", "hindus;hindu;hinduism", "hindu", "cow piss drinkers;cow worshippers;"
               "gaumutra drinkers", ""),
    "Sikhs": ("religion", "sikhs;sikh;sikhism", "sikh", "", ""),
    "Buddhists": ("religion", "buddhists;buddhist;buddhism", "buddhist", "", ""),
    "Jains": ("religion", "jains;jain;jainism", "jain", "", ""),
    "Bahá'ís": ("religion", "baha'is;bahais;bahá'ís;baha'i;bahai", "baha'i", "", ""),
    "Yazidis": ("religion", "yazidis;yazidi;yezidis;ezidis", "yazidi", "devil worshippers", ""),
    "Druze": ("religion", "druze", "druze", "", ""),
    "Copts": ("religion", "copts;coptic christians;coptic christian", "coptic", "", ""),
    "Shia Muslims": ("religion", "shia muslims;shias;shiites;shi'ites;shia;shiite;shi'a", "shia;shiite",
                     "rafidis;rafidah;rafida", ""),
    "Sunni Muslims": ("religion", "sunni muslims;sunnis;sunni", "sunni", "", ""),
    "Ahmadis": ("religion", "ahmadis;ahmadiyya;ahmadi", "ahmadi", "qadianis;qadiani", ""),
    "Atheists": ("religion", "atheists;atheist;atheism;nonbelievers;non-believers", "atheist", "", ""),
    "Agnostics": ("religion", "agnostics;agnostic", "agnostic", "", ""),
    "Pagans": ("religion", "pagans;neopagans;wiccans;heathens", "pagan;wiccan", "", ""),
    # gender
    "Women": ("gender", "women;woman;females;womenfolk;ladies;gals;girls;wives;housewives;"
              "women drivers;female drivers", "female",
              "femoids;femoid;foids;foid;roasties;thots;thot;bitches;bitch;sluts;slut;whores;"
              "whore;skanks;skank;hoes", ""),
    "Men": ("gender", "men;males;menfolk", "male", "moids;scrotes", ""),
    "Transgender people": ("gender", "transgender people;transgenders;transgender;trans people;"
                           "trans women;trans woman;trans men;trans man;transsexuals;transsexual;"
                           "transwomen;transmen;trans folks;trans folk;trans person;trans persons;"
                           "trans kids;trans children;trans youth;trans teens;trans athletes;"
                           "trans individuals;trans community;transgender women;transgender woman;"
                           "transgender men;transgender man;transgender kids;transgender children;"
                           "transgender athletes;transgender person", "transgender;trans",
                           "trannies;tranny;trannys;shemales;shemale;troons;troon;trannoids;"
                           "heshes;he-shes", "transvestites;ladyboys"),
    "Non-binary people": ("gender", "non-binary people;nonbinary people;enbies;non-binary;nonbinary",
                          "non-binary;nonbinary", "", ""),
    # sexual orientation
    "Gay men": ("sexual_orientation", "gays;gay men;gay man;homosexuals;homosexual;gay people;"
                "gay folks;gay couples;gay couple", "gay;homosexual",
                "fags;fag;faggots;faggot;fagots;faggits;fgts;poofs;poof;poofters;poofter;homos;homo;"
                "sodomites;bum boys;batty boys;battymen;fairies;fudge packers;fudgepackers;"
                "pillow biters;shirt lifters", "queers;queer"),
    "Lesbians": ("sexual_orientation", "lesbians;lesbian;lesbian couples;lesbian couple", "lesbian",
                 "dykes;dyke;lesbos;lesbo;lezzies;lezzie;carpet munchers", ""),
    "Bisexual people": ("sexual_orientation", "bisexuals;bisexual people;bisexual;bi people;bi men;"
                        "bi women;bi folks;bi person", "bisexual", "", ""),
    "Heterosexual people": ("sexual_orientation", "heterosexuals;heterosexual people;straight people;"
                            "straight men;straight women;straight couples", "heterosexual", "", ""),
    "LGBTQ people": ("sexual_orientation", "lgbt;lgbtq;lgbtq+;lgbtqia;lgbtqia+;lgbt+;lgb;"
                     "lgbt people;lgbtq people;queer people;lgbtqi", "lgbt;lgbtq",
                     "alphabet people;alphabet mafia;groomers", ""),
    # disability
    "Disabled people": ("disability", "disabled people;the disabled;disabled;handicapped;"
                        "handicapped people;people with disabilities;wheelchair users;"
                        "people in wheelchairs;wheelchair user;disabled kids;disabled children;"
                        "disabled person;disabled persons;paraplegics;quadriplegics;amputees;"
                        "people with down syndrome;people with down's syndrome",
                        "disabled;handicapped;paraplegic;quadriplegic;paralyzed;paralysed;"
                        "wheelchair-bound",
                        "cripples;cripple;spastics;spastic;spazzes;spaz;spazz;retards;retard;tards;"
                        "mongs;mongoloids;mongoloid;window lickers;windowlickers;spackers;spacker",
                        ""),
    "Autistic people": ("disability", "autistic people;autists;autistics", "autistic", "autards",
                        ""),
    "Deaf people": ("disability", "deaf people;the deaf", "deaf", "", "deaf-mutes;deaf and dumb"),
    "Blind people": ("disability", "blind people;the blind", "", "", ""),
    "People with mental illness": ("disability", "mentally ill;the mentally ill;mentally ill people;"
                                   "people with mental illness;schizophrenics", "mentally ill",
                                   "schizos;loonies", ""),
    # migrants
    "Immigrants": ("migrants", "immigrants;immigrant;migrants;migrant;emigrants;illegal immigrants;"
                   "foreigners;foreigner;undocumented immigrants;undocumented migrants;"
                   "illegal migrants;economic migrants;migrant workers",
                   "immigrant;migrant", "", "illegals;illegal aliens;anchor babies"),
    "Refugees": ("migrants", "refugees;refugee", "refugee", "rapefugees;refujihadis", ""),
    "Asylum seekers": ("migrants", "asylum seekers;asylum seeker;asylum-seekers;asylum-seeker",
                       "", "", "bogus asylum seekers"),
    # age
    "Elderly people": ("age", "elderly people;the elderly;old people;pensioners;seniors;elderly;"
                       "older people;old folks;old folk;senior citizens;retirees;oaps;the aged;"
                       "pensioner;old age pensioners;old person;elderly person;older person",
                       "elderly",
                       "geezers;coffin dodgers;old farts;wrinklies;crumblies;old codgers;codgers;"
                       "old biddies", "boomers;boomer"),
    "Young people": ("age", "young people;youngsters;teenagers;millennials;zoomers;gen z;"
                     "teenager;youngster;young person", "", "", ""),
}

#: Phrases in which a group word means something else; a mention inside one is dropped.
NON_GROUP_PHRASES = [
    r"turkey (?:dinner|dinners|sandwich(?:es)?|leg|legs|breast|burgers?|bacon|roast|gravy|day|"
    r"club|shoot|trot|baster|stuffing|meat|slices?|wings?|neck|vultures?|season|recipe|hill|"
    r"creek|point|run)",
    r"(?:roast(?:ed)?|thanksgiving|christmas|wild|cold|smoked|stuffed|carve the|carved the|"
    r"carving the|eat the|ate the|cook the|cooked the|baked) turkey",
    r"turkish (?:delight|bath|baths|coffee|towels?|carpets?|van)",
    r"polish (?:the|my|your|his|her|our|their|it|off|up|them|this|that|shoes|a|an)\b",
    r"(?:nail|shoe|furniture|floor|car|silver|boot|clear) polish",
    r"(?:fine|bone|the good|grandma's|grandmother's) china",
    r"china (?:plates?|cups?|set|sets|cabinet|cabinets|dishes|doll|dolls|shop|teacups?|tea set|"
    r"pattern|clay|ware|closet|saucers?)",
    r"guinea (?:pigs?|fowls?|hens?|worms?)",
    r"french (?:fries|fry|toast|kiss|kissing|kissed|horn|press|doors?|bread|dressing|bulldogs?|"
    r"braids?|manicure|tips?|onion soup|polish|letter)",
    r"pardon (?:my|the) french",
    r"german (?:shepherds?|measles|chocolate cake)",
    r"great danes?",
    r"danish (?:pastry|pastries|cookies|butter cookies)",
    r"swiss (?:cheese|chard|army knife|army knives|roll)",
    r"english (?:muffins?|breakfast|tea|class|teacher|language|lit|literature|grammar|channel)",
    r"greek (?:yogh?urt|salad|letters?|mythology|gods?|life)",
    r"mexican (?:wave|standoff|food|restaurant)",
    r"indian (?:summer|ocean|food|restaurant|curry|takeaway|takeout|giver)",
    r"brazil nuts?",
    r"chinese (?:checkers|whispers|food|takeaway|takeout|restaurant|lantern|new year)",
    r"russian (?:roulette|dolls?|dressing|salad|blue)",
    r"dutch (?:oven|courage|uncle|auction|angle)", r"go(?:ing|es)? dutch",
    r"irish (?:coffee|stew|setter|wolfhound)",
    r"(?:michael|air|basketball) jordan", r"jordan (?:shoes|sneakers|peterson|brand|almonds)",
    r"(?:river|the) jordan(?: river| valley)?",
    r"georgia (?:state|bulldogs|tech|peach|o'keeffe)",
    r"(?:atlanta|savannah|state of|southern|rural) georgia",
    r"georgian (?:architecture|era|house|houses|style|period|terrace)",
    r"egg whites", r"the whites of", r"whites (?:and colou?rs|laundry)",
    r"(?:north|south|magnetic|telephone|fishing|ski|flag|tent) poles?",
    r"poles? (?:apart|dance|dancing|vault|position|star)",
    r"(?:huckleberry|huck|tim) finn", r"chile (?:pepper|peppers|con carne|powder|sauce)",
    r"(?:red|green) chile", r"kiwi (?:fruit|fruits)", r"new york yankees",
    r"yankees (?:game|fans|stadium)", r"yanks? (?:on|it|out|the|my|his|her)",
    r"niger (?:river|delta)",
    r"persian (?:cats?|rugs?|carpets?|gulf|empire|kittens?)", r"siamese (?:cats?|twins?|kittens?)",
    r"welsh (?:rarebit|corgis?)", r"scots (?:pine|pines)",
    r"spanish (?:flu|inquisition|omelette)", r"gay (?:abandon|old time)",
    r"(?:rice|paddy) (?:fields?|paddies)",
    r"(?:grape|graham|saltine|soda|water|cheese) crackers?", r"crackers? (?:and cheese|barrel|jack)",
    r"(?:christmas|fire) crackers?", r"coon ?(?:hound|dog|skin)s?", r"frogs? (?:legs?|pond|spawn)",
    r"chad (?:thundercock|vs)", r"virgin (?:vs\.? )?chad", r"hanging chads?",
    r"the states (?:of|that|where|which|have|has|are)",
    r"men's (?:room|toilet|wear|shoes)", r"deaf ears",
    r"native (?:speakers?|plants?|species|language|tongue|app|code)", r"natives? (?:to|of) ",
    r"spastic colon", r"jew's harp", r"trans[- ](?:siberian|atlantic|pacific|fats?|fatty)",
    r"(?:ski|steep|slippery) slopes?", r"(?:the|tooth|fairy) fairies", r"(?:fire|the) crackers",
    r"roma (?:tomato(?:es)?|fc|football|club)", r"as roma",
    r"sons? of (?:a |the )?bitch(?:es)?", r"(?:life|karma|payback)(?:'s| is) a bitch",
    r"bitch(?:es)? (?:about|slap(?:ped|s)?)", r"(?:attention|media|camera|publicity) whores?",
    r"slut[- ]shaming", r"old wives'? tales?", r"(?:road|way) to damascus", r"damascus steel",
    r"chicken kiev", r"kiev cake", r"spastic (?:colon|paralysis|cerebral palsy|diplegia)",
]

#: Words that make an ambiguous country/demonym word political or ethnic (e.g. "china" + "war").
CONTEXT_CUES = (
    "government governments regime president presidents prime minister ministers ministry "
    "parliament election elections army armies military troops soldiers war wars invasion invade "
    "invaded occupation occupied border borders sanctions embassy ambassador diplomats treaty "
    "nato eu un united nations alliance allies ally economy economic trade tariffs exports imports "
    "country countries nation nations nationals citizens people population peoples refugees "
    "immigrants migrants minority minorities ethnic genocide politics political policy sovereignty "
    "independence territory missile missiles nuke nukes bomb bombs drones airspace kremlin "
    "capital republic empire dictator dictatorship communist communists geopolitics crisis "
    "conflict ceasefire terrorist terrorists terrorism diaspora nationalist nationalists "
    "authorities officials leaders leader media propaganda spies spy intelligence"
).split()
# fmt: on

PERSON_NOUN_KINDS = ("people", "adjective", "country")


def _split(field: str) -> list[str]:
    return [t.strip() for t in field.split(";") if t.strip()]


def plural(noun: str) -> str:
    """Plural of a person noun by English demonym rules (``azeri`` -> ``azeris``)."""
    if noun.endswith(("ese", "ss", "ois", "swiss", "basotho", "batswana", "malagasy", "kiribati",
                      "vanuatu", "inuit", "hmong", "druze", "rohingya", "roma", "sami")):
        return noun
    if noun.endswith("man") and noun != "german":
        return noun[:-3] + "men"
    if noun.endswith("z"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _nationality_rows(block: str) -> list[dict[str, object]]:
    rows = []
    for line in block.strip().splitlines():
        countries, adjectives, nouns, group, extra = (line.split("|") + [""] * 5)[:5]
        adj = _split(adjectives)
        people_sg = _split(nouns) or adj
        if not group:
            continue
        people = set(people_sg) | {plural(n) for n in people_sg} | set(_split(extra))
        people |= {plural(a) for a in adj if a.endswith(("an", "i", "ese"))}
        people |= {a + " people" for a in adj} | {a + " citizens" for a in adj}
        rows.append({"name": group, "category": "nationality", "country": _split(countries),
                     "adjective": adj, "people": sorted(people)})
    return rows


def build() -> dict[str, object]:
    """Assemble the whole lexicon as plain JSON-able data."""
    groups: dict[str, dict[str, object]] = {}

    def add(name: str, category: str, kind: str, terms: list[str], **flags: bool) -> None:
        g = groups.setdefault(name, {"name": name, "category": category, "terms": []})
        have = {t["term"] for t in g["terms"]}  # type: ignore[index]
        for term in terms:
            term = term.lower()
            if term in have:
                continue
            have.add(term)
            entry: dict[str, object] = {"term": term, "kind": kind}
            entry.update({k: True for k, v in flags.items() if v})
            if term in AMBIGUOUS or term in AMBIGUOUS_SLURS:
                entry["ambiguous"] = True
            g["terms"].append(entry)  # type: ignore[union-attr]

    un_rows = _nationality_rows(COUNTRIES)
    assert len({r["country"][0] for r in un_rows}) == 193, len(un_rows)  # type: ignore[index]
    for row in un_rows + _nationality_rows(OTHER_TERRITORIES):
        name, cat = str(row["name"]), str(row["category"])
        # Adjectives first: "russian"/"azeri" are adjectives unless context says people
        # (civility.groups decides at match time); plurals such as "russians" are people.
        add(name, cat, "adjective", row["adjective"])  # type: ignore[arg-type]
        add(name, cat, "people", row["people"])  # type: ignore[arg-type]
        add(name, cat, "country", row["country"])  # type: ignore[arg-type]
    for name, cities in CITIES:
        add(name, "nationality", "country", _split(cities))
    for name, terms, kind in NATIONALITY_SLURS:
        add(name, "nationality", kind, _split(terms), slur=True)
    for name, (cat, people, adjective, slurs, derogatory) in GROUPS.items():
        add(name, cat, "adjective", _split(adjective))
        add(name, cat, "people", _split(people))
        add(name, cat, "people", _split(slurs), slur=True)
        add(name, cat, "people", _split(derogatory), derogatory=True)
    return {
        "version": 1,
        "doc": "Generated by scripts/build_groups.py; edit that script, not this file.",
        "groups": sorted(groups.values(), key=lambda g: str(g["name"])),
        "non_group_phrases": NON_GROUP_PHRASES,
        "context_cues": CONTEXT_CUES,
        "group_cues": {name: _split(words) for name, words in GROUP_CUES.items()},
    }


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "civility" / "data" / "groups.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = build()
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    n_terms = sum(len(g["terms"]) for g in data["groups"])  # type: ignore[arg-type,union-attr]
    print(f"wrote {out}: {len(data['groups'])} groups, {n_terms} terms")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
